package pkginfo

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// ParseRepositoryInfo reads a repo.info text (FORMATS.md §2.4) from r in
// BRepositoryInfo::_SetTo(BEntry)'s driver-settings syntax, with keys
// compared case-sensitively, but more strictly than Haiku (kiln writes what
// clients read, so it refuses what it does not understand): every
// top-level parameter must be one of RepositoryInfoKeys with exactly one
// value and no block, and no key may appear twice; such errors name the
// file, line and column (ErrInvalid), the first one found. name, identifier (falling
// back to the legacy url key), vendor, summary, priority and architecture
// must be present and non-empty; baseurl is optional. priority is read like
// atoi (leading digits, so "10 # x" is 10) but must lie within 0…255 (Haiku
// would silently wrap); architecture is a name from Architecture's list
// other than "any", case-insensitive. name is used in error messages.
// Inputs over MaxTextSize fail with ErrTooLarge, bad syntax with a
// *ParseError (ErrSyntax), missing or bad values with ErrInvalid.
func ParseRepositoryInfo(r io.Reader, name string) (*RepositoryInfo, error) {
	src, err := readLimited(r, name)
	if err != nil {
		return nil, err
	}
	settings, err := parseSettings(src, name)
	if err != nil {
		return nil, err
	}
	if err := checkRepoInfoKeys(src, name, settings); err != nil {
		return nil, err
	}
	get := func(key string) (string, *setting) {
		for i := len(settings) - 1; i >= 0; i-- {
			if s := &settings[i]; s.name == key {
				if len(s.values) == 0 {
					return "", s
				}
				return s.values[0], s
			}
		}
		return "", nil
	}
	var errs []error
	required := func(key string) (string, *setting) {
		v, s := get(key)
		if v == "" {
			errs = append(errs, fmt.Errorf("%s: %w: %s missing or empty", name, ErrInvalid, key))
		}
		return v, s
	}
	invalid := func(s *setting, format string, args ...any) {
		line, col := position(src, s.pos)
		errs = append(errs, fmt.Errorf("%s:%d:%d: %w: "+format,
			append([]any{name, line, col, ErrInvalid}, args...)...))
	}

	info := &RepositoryInfo{}
	info.Name, _ = required("name")
	if info.Identifier, _ = get("identifier"); info.Identifier == "" {
		if info.Identifier, _ = get("url"); info.Identifier == "" {
			errs = append(errs, fmt.Errorf("%s: %w: identifier (or url) missing or empty", name, ErrInvalid))
		}
	}
	info.BaseURL, _ = get("baseurl")
	info.Vendor, _ = required("vendor")
	info.Summary, _ = required("summary")
	if v, s := required("priority"); v != "" {
		n, ok := atoi(v)
		if !ok || n < 0 || n > 255 {
			invalid(s, "priority %q is not a number from 0 to 255", v)
		}
		info.Priority = uint8(n)
	}
	if v, s := required("architecture"); v != "" {
		a, err := ParseArchitecture(v)
		switch {
		case err != nil:
			invalid(s, "unknown architecture %q", v)
		case a == ArchAny:
			invalid(s, "architecture any is not allowed for a repository")
		}
		info.Architecture = a
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return info, nil
}

// RepositoryInfoKeys are the parameters a repo.info may hold (url is the
// legacy name of identifier).
var RepositoryInfoKeys = []string{"name", "identifier", "url", "baseurl", "vendor", "summary", "priority", "architecture"}

// checkRepoInfoKeys refuses unknown keys, repeated keys, keys without
// exactly one value and blocks, naming the first offending line.
func checkRepoInfoKeys(src, file string, settings []setting) error {
	seen := map[string]int{}
	for i := range settings {
		s := &settings[i]
		line, col := position(src, s.pos)
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%s:%d:%d: %w: "+format, append([]any{file, line, col, ErrInvalid}, args...)...)
		}
		if !slices.Contains(RepositoryInfoKeys, s.name) {
			return bad("unknown key %q (a repo.info holds %s)", s.name, strings.Join(RepositoryInfoKeys, ", "))
		}
		if first, dup := seen[s.name]; dup {
			return bad("%s given twice (first on line %d)", s.name, first)
		}
		seen[s.name] = line
		switch {
		case len(s.children) > 0:
			return bad("%s: a repo.info has no { } blocks", s.name)
		case len(s.values) > 1:
			return bad("%s: %d values, want one (quote a value with spaces)", s.name, len(s.values))
		}
	}
	return nil
}

// atoi reads an optionally signed decimal number after leading white space
// and ignores what follows it, as C's atoi does; ok is false without digits
// or when the number does not fit an int32.
func atoi(s string) (int64, bool) {
	i := 0
	for i < len(s) && isSpaceByte(s[i]) {
		i++
	}
	start := i
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' && i-digits < 12 {
		i++
	}
	if i == digits {
		return 0, false
	}
	n, err := strconv.ParseInt(s[start:i], 10, 32)
	return n, err == nil
}

// WriteRepositoryInfo writes info as repo.info text in the layout of
// HaikuPorter's template (name, vendor, summary, priority, baseurl if set,
// identifier, architecture), which ParseRepositoryInfo reads back to the
// same value apart from LicenseNames and LicenseTexts (a repo.info has
// none). Values are quoted unless they are plain words. It fails with
// ErrInvalid, writing nothing, when a required field is empty, the
// architecture is any or unknown, or a string holds a NUL byte.
func WriteRepositoryInfo(w io.Writer, info *RepositoryInfo) error {
	var errs []error
	for _, f := range []struct{ key, value string }{
		{"name", info.Name}, {"identifier", info.Identifier}, {"vendor", info.Vendor}, {"summary", info.Summary},
	} {
		if f.value == "" {
			errs = append(errs, fmt.Errorf("%w: repository %s is empty", ErrInvalid, f.key))
		}
	}
	for _, s := range []string{info.Name, info.Identifier, info.BaseURL, info.Vendor, info.Summary} {
		if strings.IndexByte(s, 0) >= 0 {
			errs = append(errs, fmt.Errorf("%w: NUL byte in %q", ErrInvalid, s))
		}
	}
	if !info.Architecture.Valid() || info.Architecture == ArchAny {
		errs = append(errs, fmt.Errorf("%w: repository architecture %v", ErrInvalid, info.Architecture))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "name %s\n", settingsQuote(info.Name))
	fmt.Fprintf(&b, "vendor %s\n", settingsQuote(info.Vendor))
	fmt.Fprintf(&b, "summary %s\n", settingsQuote(info.Summary))
	fmt.Fprintf(&b, "priority %d\n", info.Priority)
	if info.BaseURL != "" {
		fmt.Fprintf(&b, "baseurl %s\n", settingsQuote(info.BaseURL))
	}
	fmt.Fprintf(&b, "identifier %s\n", settingsQuote(info.Identifier))
	fmt.Fprintf(&b, "architecture %s\n", info.Architecture)
	_, err := io.WriteString(w, b.String())
	return err
}

// settingsQuote writes s bare if it is a plain word, else double-quoted
// with '"' and '\' escaped (new lines may stand inside quotes).
func settingsQuote(s string) string {
	plain := s != ""
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("._:/+~@%,-$()?&", c) >= 0
	}
	if plain {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}
