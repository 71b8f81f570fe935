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
	name      string
	typ       attrType
	required  bool
	ext       extendable
	indexable bool // per source: SOURCE_URI_2
}

// attrID identifies an attribute: its index in attributeTable.
type attrID uint8

// The attributes, in the order of HaikuPorter's table, which is the order
// in which they are validated (it decides which error a recipe with
// several problems reports).
const (
	// per port
	attrAdditionalFiles attrID = iota
	attrBuildPackageActivationPhase
	attrBuildPrerequires
	attrBuildRequires
	attrDisableSourcePackage
	attrHomepage
	attrMessage
	attrRevision
	attrTestRequires

	// per source
	attrChecksumSHA256
	attrPatches
	attrSourceDir
	attrSourceFilename
	attrSourceURI

	// per package
	attrArchitectures
	attrConflicts
	attrCopyright
	attrDescription
	attrFreshens
	attrGlobalWritableFiles
	attrLicense
	attrPackageGroups
	attrPackageName
	attrPackageUsers
	attrPackageVersion
	attrPostInstallScripts
	attrPreUninstallScripts
	attrProvides
	attrReplaces
	attrRequires
	attrSecondaryArchitectures
	attrSummary
	attrSupplements
	attrUserSettingsFiles

	numAttributes
)

// attributeTable are the recipe keys HaikuPorter reads, by attrID.
var attributeTable = [numAttributes]attribute{
	attrAdditionalFiles:             {name: "ADDITIONAL_FILES", typ: typeList},
	attrBuildPackageActivationPhase: {name: "BUILD_PACKAGE_ACTIVATION_PHASE", typ: typePhase},
	attrBuildPrerequires:            {name: "BUILD_PREREQUIRES", typ: typeRequires},
	attrBuildRequires:               {name: "BUILD_REQUIRES", typ: typeRequires},
	attrDisableSourcePackage:        {name: "DISABLE_SOURCE_PACKAGE", typ: typeYesNo},
	attrHomepage:                    {name: "HOMEPAGE", typ: typeList, required: true},
	attrMessage:                     {name: "MESSAGE", typ: typeString},
	attrRevision:                    {name: "REVISION", typ: typeInt, required: true},
	attrTestRequires:                {name: "TEST_REQUIRES", typ: typeRequires},

	attrChecksumSHA256: {name: "CHECKSUM_SHA256", typ: typeString, indexable: true},
	attrPatches:        {name: "PATCHES", typ: typeList, indexable: true},
	attrSourceDir:      {name: "SOURCE_DIR", typ: typeString, indexable: true},
	attrSourceFilename: {name: "SOURCE_FILENAME", typ: typeString, indexable: true},
	attrSourceURI:      {name: "SOURCE_URI", typ: typeList, required: true, indexable: true},

	attrArchitectures:          {name: "ARCHITECTURES", typ: typeArchitectures, required: true, ext: perPackageInh},
	attrConflicts:              {name: "CONFLICTS", typ: typeRequires, ext: perPackageDef},
	attrCopyright:              {name: "COPYRIGHT", typ: typeList, ext: perPackageInh},
	attrDescription:            {name: "DESCRIPTION", typ: typeText, required: true, ext: perPackageInh},
	attrFreshens:               {name: "FRESHENS", typ: typeRequires, ext: perPackageDef},
	attrGlobalWritableFiles:    {name: "GLOBAL_WRITABLE_FILES", typ: typeList, ext: perPackageDef},
	attrLicense:                {name: "LICENSE", typ: typeList, ext: perPackageInh},
	attrPackageGroups:          {name: "PACKAGE_GROUPS", typ: typeList, ext: perPackageDef},
	attrPackageName:            {name: "PACKAGE_NAME", typ: typeString, ext: perPackageDef},
	attrPackageUsers:           {name: "PACKAGE_USERS", typ: typeList, ext: perPackageDef},
	attrPackageVersion:         {name: "PACKAGE_VERSION", typ: typeString, ext: perPackageDef},
	attrPostInstallScripts:     {name: "POST_INSTALL_SCRIPTS", typ: typeList, ext: perPackageDef},
	attrPreUninstallScripts:    {name: "PRE_UNINSTALL_SCRIPTS", typ: typeList, ext: perPackageDef},
	attrProvides:               {name: "PROVIDES", typ: typeProvides, ext: perPackageDef},
	attrReplaces:               {name: "REPLACES", typ: typeList, ext: perPackageDef},
	attrRequires:               {name: "REQUIRES", typ: typeRequires, ext: perPackageDef},
	attrSecondaryArchitectures: {name: "SECONDARY_ARCHITECTURES", typ: typeArchitectures, ext: perPackageInh},
	attrSummary:                {name: "SUMMARY", typ: typeString, required: true, ext: perPackageInh},
	attrSupplements:            {name: "SUPPLEMENTS", typ: typeRequires, ext: perPackageDef},
	attrUserSettingsFiles:      {name: "USER_SETTINGS_FILES", typ: typeList, ext: perPackageDef},
}

// attributeIDs maps an attribute's name to its attrID.
var attributeIDs = func() map[string]attrID {
	m := make(map[string]attrID, numAttributes)
	for id, a := range attributeTable {
		m[a.name] = attrID(id)
	}
	return m
}()

// lookupAttribute returns the attribute a recipe key names exactly.
func lookupAttribute(name string) (attrID, bool) {
	id, ok := attributeIDs[name]
	return id, ok
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
