package hpkg

import "fmt"

// AttrID is an attribute id (FORMATS.md §1.5, PackageAttributes.h).
type AttrID uint8

// Attribute ids.
const (
	AttrDirEntry                    AttrID = 0
	AttrFileType                    AttrID = 1
	AttrFilePermissions             AttrID = 2
	AttrFileUser                    AttrID = 3
	AttrFileGroup                   AttrID = 4
	AttrFileATime                   AttrID = 5
	AttrFileMTime                   AttrID = 6
	AttrFileCrTime                  AttrID = 7
	AttrFileATimeNanos              AttrID = 8
	AttrFileMTimeNanos              AttrID = 9
	AttrFileCrTimeNanos             AttrID = 10
	AttrFileAttribute               AttrID = 11
	AttrFileAttributeType           AttrID = 12
	AttrData                        AttrID = 13
	AttrSymlinkPath                 AttrID = 14
	AttrPackageName                 AttrID = 15
	AttrPackageSummary              AttrID = 16
	AttrPackageDescription          AttrID = 17
	AttrPackageVendor               AttrID = 18
	AttrPackagePackager             AttrID = 19
	AttrPackageFlags                AttrID = 20
	AttrPackageArchitecture         AttrID = 21
	AttrPackageVersionMajor         AttrID = 22
	AttrPackageVersionMinor         AttrID = 23
	AttrPackageVersionMicro         AttrID = 24
	AttrPackageVersionRevision      AttrID = 25
	AttrPackageCopyright            AttrID = 26
	AttrPackageLicense              AttrID = 27
	AttrPackageProvides             AttrID = 28
	AttrPackageRequires             AttrID = 29
	AttrPackageSupplements          AttrID = 30
	AttrPackageConflicts            AttrID = 31
	AttrPackageFreshens             AttrID = 32
	AttrPackageReplaces             AttrID = 33
	AttrPackageResolvableOperator   AttrID = 34
	AttrPackageChecksum             AttrID = 35
	AttrPackageVersionPreRelease    AttrID = 36
	AttrPackageProvidesCompatible   AttrID = 37
	AttrPackageURL                  AttrID = 38
	AttrPackageSourceURL            AttrID = 39
	AttrPackageInstallPath          AttrID = 40
	AttrPackageBasePackage          AttrID = 41
	AttrPackageGlobalWritableFile   AttrID = 42
	AttrPackageUserSettingsFile     AttrID = 43
	AttrPackageWritableFileUpdate   AttrID = 44
	AttrPackageSettingsFileTemplate AttrID = 45
	AttrPackageUser                 AttrID = 46
	AttrPackageUserRealName         AttrID = 47
	AttrPackageUserHome             AttrID = 48
	AttrPackageUserShell            AttrID = 49
	AttrPackageUserGroup            AttrID = 50
	AttrPackageGroup                AttrID = 51
	AttrPackagePostInstallScript    AttrID = 52
	AttrPackageIsWritableDirectory  AttrID = 53
	AttrPackage                     AttrID = 54
	AttrPackagePreUninstallScript   AttrID = 55
	numAttrIDs                             = 56
)

var attrNames = [numAttrIDs]string{
	"dir:entry", "file:type", "file:permissions", "file:user", "file:group",
	"file:atime", "file:mtime", "file:crtime", "file:atime:nanos", "file:mtime:nanos",
	"file:crtime:nanos", "file:attribute", "file:attribute:type", "data", "symlink:path",
	"package:name", "package:summary", "package:description", "package:vendor", "package:packager",
	"package:flags", "package:architecture", "package:version.major", "package:version.minor", "package:version.micro",
	"package:version.revision", "package:copyright", "package:license", "package:provides", "package:requires",
	"package:supplements", "package:conflicts", "package:freshens", "package:replaces", "package:resolvable.operator",
	"package:checksum", "package:version.prerelease", "package:provides.compatible", "package:url", "package:source-url",
	"package:install-path", "package:base-package", "package:global-writable-file", "package:user-settings-file", "package:writable-file-update-type",
	"package:settings-file-template", "package:user", "package:user.real-name", "package:user.home", "package:user.shell",
	"package:user.group", "package:group", "package:post-install-script", "package:is-writable-directory", "package",
	"package:pre-uninstall-script",
}

// String returns Haiku's name of the attribute ("package:name"), or
// "attr(N)" for an id Haiku does not define.
func (id AttrID) String() string {
	if id < numAttrIDs {
		return attrNames[id]
	}
	return fmt.Sprintf("attr(%d)", uint8(id))
}

// AttrType is an attribute value type.
type AttrType uint8

// Attribute value types. Type 0 is invalid.
const (
	TypeInt    AttrType = 1
	TypeUint   AttrType = 2
	TypeString AttrType = 3
	TypeRaw    AttrType = 4
)

// String returns "INT", "UINT", "STRING", "RAW" or "type(N)".
func (t AttrType) String() string {
	switch t {
	case TypeInt:
		return "INT"
	case TypeUint:
		return "UINT"
	case TypeString:
		return "STRING"
	case TypeRaw:
		return "RAW"
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// Encodings of values (the tag's encoding bits).
const (
	encInt8         = 0
	encInt16        = 1
	encInt32        = 2
	encInt64        = 3
	encStringInline = 0
	encStringTable  = 1
	encRawInline    = 0
	encRawHeap      = 1
)

// MaxInlineData is B_HPKG_MAX_INLINE_DATA_SIZE: raw data up to this size is
// stored inline in the attribute rather than in the heap.
const MaxInlineData = 8

// Attr is one decoded attribute: an id, a type and a value. For TypeInt and
// TypeUint the value is in Int (TypeInt values are sign-extended, so read
// them as int64(Int)); for TypeString in Str; for TypeRaw either inline in
// Data or, when InHeap, the DataSize bytes at DataOffset of the uncompressed
// heap. HasChildren is set by the decoder when a child list follows.
type Attr struct {
	ID          AttrID
	Type        AttrType
	Int         uint64
	Str         string
	Data        []byte
	InHeap      bool
	DataOffset  uint64
	DataSize    uint64
	HasChildren bool
}

// Size returns the length of a TypeRaw value.
func (a *Attr) Size() uint64 {
	if a.InHeap {
		return a.DataSize
	}
	return uint64(len(a.Data))
}

// String formats a for messages and dumps: "name : TYPE : value".
func (a Attr) String() string {
	switch a.Type {
	case TypeInt:
		return fmt.Sprintf("%s : INT : %d", a.ID, int64(a.Int))
	case TypeUint:
		return fmt.Sprintf("%s : UINT : %d", a.ID, a.Int)
	case TypeString:
		return fmt.Sprintf("%s : STRING : %s", a.ID, a.Str)
	case TypeRaw:
		if a.InHeap {
			return fmt.Sprintf("%s : RAW : %d bytes {off:%d, len:%d}", a.ID, a.DataSize, a.DataOffset, a.DataSize)
		}
		return fmt.Sprintf("%s : RAW : %d bytes", a.ID, len(a.Data))
	}
	return fmt.Sprintf("%s : %s", a.ID, a.Type)
}

// Node is an attribute with its children: the form attribute trees take
// for writing (and for generic dumps).
type Node struct {
	Attr
	Children []Node
}

// UintNode, StringNode and RawNode build leaf nodes.
func UintNode(id AttrID, v uint64) Node { return Node{Attr: Attr{ID: id, Type: TypeUint, Int: v}} }

// StringNode returns a string node with the given children.
func StringNode(id AttrID, s string, children ...Node) Node {
	return Node{Attr: Attr{ID: id, Type: TypeString, Str: s}, Children: children}
}

// RawNode returns a raw node holding data inline.
func RawNode(id AttrID, data []byte) Node {
	return Node{Attr: Attr{ID: id, Type: TypeRaw, Data: data}}
}

// HeapNode returns a raw node referring to size bytes at offset of the
// uncompressed heap. Writers store data of at most MaxInlineData bytes
// inline instead (use RawNode for that).
func HeapNode(id AttrID, offset, size uint64) Node {
	return Node{Attr: Attr{ID: id, Type: TypeRaw, InHeap: true, DataOffset: offset, DataSize: size}}
}
