package recipe

// HaikuLicenses are the license names Haiku ships in its licenses
// directory (/system/data/licenses) as of the corpus's reference run;
// DefaultSettings uses them as KnownLicenses.
var HaikuLicenses = []string{
	"Anti-Grain Geometry", "Apache v2", "Artistic", "Artistic v2.0",
	"BSD (2-clause)", "BSD (3-clause)", "BSD (4-clause)", "BSD (Alternate 3-clause)",
	"Be Sample Code License", "Berkeley", "Bullet", "CDDL v1", "CQuantizer", "Cortex",
	"DEC", "GLUT (Mark Kilgard)", "GNU GPL font exception", "GNU GPL v1", "GNU GPL v2",
	"GNU GPL v3", "GNU LGPL v2", "GNU LGPL v2.1", "GNU LGPL v3", "GPC", "ICU", "ISC",
	"Intel (2xxx firmware)", "Intel (ACPICA)", "Intel (firmware)", "LibHTTPd", "LibJPEG",
	"LibPNG", "MAPM", "MIT", "MIT (no promotion)", "MPL v1.1", "MPL v2.0",
	"Marvell (firmware)", "MkDepend", "NewOS", "OpenGroup", "PDFlib Lite",
	"Public Domain", "Ralink (firmware)", "SGI Free B", "SIL Open Font License v1.1", "Zlib",
}
