package recipe

// attrType is how a recipe attribute's value is interpreted (RecipeTypes.py).
type attrType uint8

const (
	typeString        attrType = iota // one string, as is
	typeInt                           // an integer (REVISION)
	typeList                          // non-empty stripped lines
	typeProvides                      // like typeList, lower-cased, no '-' in names
	typeRequires                      // like typeProvides
	typeText                          // lines, outer empty lines dropped (DESCRIPTION)
	typePhase                         // PATCH, BUILD, TEST or INSTALL
	typeArchitectures                 // "x86_64 ?arm !x86_gcc2"
	typeYesNo                         // yes, no, true, false
)

// extendable says whether an attribute is per port or per package.
type extendable uint8

const (
	perPort       extendable = iota // not extendable
	perPackageInh                   // per package, inherited from the base package
	perPackageDef                   // per package, default value otherwise
)

// attribute describes one recipe key, as HaikuPorter's recipe format
// (version 1) defines it.
type attribute struct {
	typ       attrType
	required  bool
	ext       extendable
	indexable bool   // per source: SOURCE_URI_2
	suffix    string // summary suffix key: added for typed packages
}

// attributes are the recipe keys HaikuPorter reads.
var attributes = map[string]attribute{
	// per port
	"ADDITIONAL_FILES":               {typ: typeList},
	"BUILD_PACKAGE_ACTIVATION_PHASE": {typ: typePhase},
	"BUILD_PREREQUIRES":              {typ: typeRequires},
	"BUILD_REQUIRES":                 {typ: typeRequires},
	"DISABLE_SOURCE_PACKAGE":         {typ: typeYesNo},
	"HOMEPAGE":                       {typ: typeList, required: true},
	"MESSAGE":                        {typ: typeString},
	"REVISION":                       {typ: typeInt, required: true},
	"TEST_REQUIRES":                  {typ: typeRequires},

	// per source
	"CHECKSUM_SHA256": {typ: typeString, indexable: true},
	"PATCHES":         {typ: typeList, indexable: true},
	"SOURCE_DIR":      {typ: typeString, indexable: true},
	"SOURCE_FILENAME": {typ: typeString, indexable: true},
	"SOURCE_URI":      {typ: typeList, required: true, indexable: true},

	// per package
	"ARCHITECTURES":           {typ: typeArchitectures, required: true, ext: perPackageInh},
	"CONFLICTS":               {typ: typeRequires, ext: perPackageDef},
	"COPYRIGHT":               {typ: typeList, ext: perPackageInh},
	"DESCRIPTION":             {typ: typeText, required: true, ext: perPackageInh},
	"FRESHENS":                {typ: typeRequires, ext: perPackageDef},
	"GLOBAL_WRITABLE_FILES":   {typ: typeList, ext: perPackageDef},
	"LICENSE":                 {typ: typeList, ext: perPackageInh},
	"PACKAGE_GROUPS":          {typ: typeList, ext: perPackageDef},
	"PACKAGE_NAME":            {typ: typeString, ext: perPackageDef},
	"PACKAGE_USERS":           {typ: typeList, ext: perPackageDef},
	"PACKAGE_VERSION":         {typ: typeString, ext: perPackageDef},
	"POST_INSTALL_SCRIPTS":    {typ: typeList, ext: perPackageDef},
	"PRE_UNINSTALL_SCRIPTS":   {typ: typeList, ext: perPackageDef},
	"PROVIDES":                {typ: typeProvides, ext: perPackageDef},
	"REPLACES":                {typ: typeList, ext: perPackageDef},
	"REQUIRES":                {typ: typeRequires, ext: perPackageDef},
	"SECONDARY_ARCHITECTURES": {typ: typeArchitectures, ext: perPackageInh},
	"SUMMARY":                 {typ: typeString, required: true, ext: perPackageInh},
	"SUPPLEMENTS":             {typ: typeRequires, ext: perPackageDef},
	"USER_SETTINGS_FILES":     {typ: typeList, ext: perPackageDef},
}

// attributeOrder is the order in which attributes are validated (the order
// of HaikuPorter's table), which decides which error a recipe with several
// problems reports.
var attributeOrder = []string{
	"ADDITIONAL_FILES", "BUILD_PACKAGE_ACTIVATION_PHASE", "BUILD_PREREQUIRES",
	"BUILD_REQUIRES", "DISABLE_SOURCE_PACKAGE", "HOMEPAGE", "MESSAGE",
	"REVISION", "TEST_REQUIRES",
	"CHECKSUM_SHA256", "PATCHES", "SOURCE_DIR", "SOURCE_FILENAME", "SOURCE_URI",
	"ARCHITECTURES", "CONFLICTS", "COPYRIGHT", "DESCRIPTION", "FRESHENS",
	"GLOBAL_WRITABLE_FILES", "LICENSE", "PACKAGE_GROUPS", "PACKAGE_NAME",
	"PACKAGE_USERS", "PACKAGE_VERSION", "POST_INSTALL_SCRIPTS",
	"PRE_UNINSTALL_SCRIPTS", "PROVIDES", "REPLACES", "REQUIRES",
	"SECONDARY_ARCHITECTURES", "SUMMARY", "SUPPLEMENTS", "USER_SETTINGS_FILES",
}

// summarySuffix is appended to an inherited SUMMARY by package type.
var summarySuffix = map[string]string{
	"devel":     " (development files)",
	"debuginfo": " (debug info)",
	"doc":       " (documentation)",
	"source":    " (source files)",
}

// phases are the recipe functions HaikuPorter records as <PHASE>_DEFINED.
var phases = []string{"PATCH", "BUILD", "TEST", "INSTALL"}

// machineArchitectures are the architectures "all" expands to.
var machineArchitectures = []string{
	"arm", "arm64", "m68k", "ppc", "ppc64", "riscv64", "sparc", "x86", "x86_64", "x86_gcc2",
}

// machineTriples are the GNU triples of the machine architectures.
var machineTriples = map[string]string{
	"arm": "arm-unknown-haiku", "arm64": "aarch64-unknown-haiku",
	"m68k": "m68k-unknown-haiku", "ppc": "powerpc-apple-haiku",
	"ppc64": "powerpc64-unknown-haiku", "riscv64": "riscv64-unknown-haiku",
	"sparc": "sparc64-unknown-haiku", "x86": "i586-pc-haiku",
	"x86_64": "x86_64-unknown-haiku", "x86_gcc2": "i586-pc-haiku",
}

func isKnownArchitecture(a string) bool {
	if a == "any" || a == "source" {
		return true
	}
	_, ok := machineTriples[a]
	return ok
}
