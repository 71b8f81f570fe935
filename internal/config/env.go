package config

import (
	"encoding"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// EnvPrefix starts every environment variable that overrides a key.
const EnvPrefix = "KILN_"

// OtherEnv are the KILN_ variables kiln reads that are not config keys;
// every other KILN_ variable must name a key (an unknown one is an error,
// as a typo in the file is). Variables starting with KILN_TEST_ are the
// test suite's and ignored too. TestOtherEnvComplete keeps this list
// equal to the KILN_ names the code uses.
var OtherEnv = []string{
	"KILN_CONFIG",            // the config file (kiln build, runs, serve)
	"KILN_LISTEN",            // kiln serve's listen address
	"KILN_STORE",             // the store of kiln repo … (no config)
	"KILN_S3_IMDS",           // S3 credentials from the EC2 instance role
	"KILN_S3_SECRET_FILE",    // S3 credentials file
	"KILN_SIGN_KEY_PASSWORD", // kiln repo publish --sign-key's password
	"KILN_BUILDER",           // set for on-demand builder actions
	"KILN_SHARED",            // tests: the shared fixtures
	"KILN_CI",                // tests: missing tools fail instead of skip
	"KILN_ARTIFACTS",         // tests: where screenshots are kept
	// Tests' and benchmarks' knobs and helper processes:
	"KILN_BENCH_MIRROR_KIB", "KILN_BENCH_MIRROR_PKGS", "KILN_BENCH_STORE_DIR", "KILN_BENCH_STORE_MIB", "KILN_BUILDERTEST_BREAK",
	"KILN_CRASH_AT", "KILN_CRASH_DIR", "KILN_CRASH_MODE", "KILN_CRASH_S3",
	"KILN_KILLED_UPLOAD_DIR", "KILN_LOADTEST_DURATION", "KILN_ORACLE_STEP",
	"KILN_STORE_HELPER", "KILN_WRITE_DISAGREEMENTS",
}

// EnvName is the variable that overrides a key: "auth.github_secret_file"
// → KILN_AUTH_GITHUB_SECRET_FILE, "target[0].branch" → KILN_TARGET_0_BRANCH.
func EnvName(key string) string {
	r := strings.NewReplacer(".", "_", "[", "_", "]", "")
	return EnvPrefix + strings.ToUpper(r.Replace(key))
}

// ApplyEnv overrides the config's keys from environ ("NAME=value"
// entries, as os.Environ returns them); see docs/configuration.md for
// the scheme. Variables are applied in name order, so KILN_TARGET_1_…
// comes after KILN_TARGET_0_…; an index one past the configured entries
// adds an entry. An unknown KILN_ variable, a bad index or a bad value is
// an error naming the variable (and the key); values never appear in
// errors, since some are secrets.
func (c *Config) ApplyEnv(environ []string) error {
	type kv struct{ name, value string }
	var vars []kv
	for _, e := range environ {
		name, value, ok := strings.Cut(e, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) || isOtherEnv(name) {
			continue
		}
		vars = append(vars, kv{name, value})
	}
	sort.Slice(vars, func(i, j int) bool { return envLess(vars[i].name, vars[j].name) })
	for _, v := range vars {
		rest := strings.TrimPrefix(v.name, EnvPrefix)
		if err := setEnv(reflect.ValueOf(c).Elem(), rest, "", v.value); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrInvalid, v.name, err)
		}
	}
	return nil
}

// HasEnv reports whether environ sets a variable that overrides a key
// (or claims to: an unknown KILN_ name counts, so that it is reported).
func HasEnv(environ []string) bool {
	for _, e := range environ {
		name, _, _ := strings.Cut(e, "=")
		if strings.HasPrefix(name, EnvPrefix) && !isOtherEnv(name) {
			return true
		}
	}
	return false
}

func isOtherEnv(name string) bool {
	if strings.HasPrefix(name, "KILN_TEST_") {
		return true
	}
	for _, o := range OtherEnv {
		if name == o {
			return true
		}
	}
	return false
}

// envLess orders names with their numbers compared as numbers
// (KILN_TARGET_2_… before KILN_TARGET_10_…).
func envLess(a, b string) bool {
	as, bs := strings.Split(a, "_"), strings.Split(b, "_")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if as[i] == bs[i] {
			continue
		}
		an, aerr := strconv.Atoi(as[i])
		bn, berr := strconv.Atoi(bs[i])
		if aerr == nil && berr == nil {
			return an < bn
		}
		return as[i] < bs[i]
	}
	return len(as) < len(bs)
}

// setEnv finds the key rest names below v (a struct) and sets it; key is
// the key so far, for errors.
func setEnv(v reflect.Value, rest, key, value string) error {
	t := v.Type()
	// Longest tag first, so GITHUB_SECRET_FILE is not read as
	// GITHUB_SECRET + _FILE.
	type cand struct {
		i   int
		tag string
	}
	var cands []cand
	for i := 0; i < t.NumField(); i++ {
		tag := tomlTag(t.Field(i))
		if tag != "" {
			cands = append(cands, cand{i, tag})
		}
	}
	sort.Slice(cands, func(i, j int) bool { return len(cands[i].tag) > len(cands[j].tag) })
	var firstErr error
	for _, cd := range cands {
		up := strings.ToUpper(cd.tag)
		if rest != up && !strings.HasPrefix(rest, up+"_") {
			continue
		}
		err := setField(v.Field(cd.i), strings.TrimPrefix(strings.TrimPrefix(rest, up), "_"), joinKey(key, cd.tag), value)
		if err == nil {
			return nil
		}
		if _, ok := err.(noKeyError); !ok {
			return err
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		return firstErr
	}
	if key == "" {
		return noKeyError{"no such config key (see docs/configuration.md)"}
	}
	return noKeyError{fmt.Sprintf("no such key in %s (see docs/configuration.md)", key)}
}

// noKeyError: the name matches no key (another reading may still match).
type noKeyError struct{ msg string }

func (e noKeyError) Error() string { return e.msg }

func joinKey(key, tag string) string {
	if key == "" {
		return tag
	}
	return key + "." + tag
}

// tomlTag is the field's key ("" for none or "-").
func tomlTag(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	if tag == "-" {
		return ""
	}
	return tag
}

var textUnmarshaler = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()

// setField sets field f (key) from value; rest is what the name has left
// below it.
func setField(f reflect.Value, rest, key, value string) error {
	if f.Kind() == reflect.Pointer {
		if f.IsNil() {
			f.Set(reflect.New(f.Type().Elem()))
		}
		f = f.Elem()
	}
	if reflect.PointerTo(f.Type()).Implements(textUnmarshaler) {
		if rest != "" {
			return noKeyError{fmt.Sprintf("%s has no keys below it", key)}
		}
		if err := f.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(value)); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		return nil
	}
	switch f.Kind() {
	case reflect.Struct:
		if rest == "" {
			return noKeyError{fmt.Sprintf("%s is a table: name one of its keys", key)}
		}
		return setEnv(f, rest, key, value)
	case reflect.Slice:
		if f.Type().Elem().Kind() == reflect.Struct {
			return setSliceElem(f, rest, key, value)
		}
	case reflect.Map:
		return fmt.Errorf("%s: a table by name is not overridable by the environment (set it in the file)", key)
	}
	if rest != "" {
		return noKeyError{fmt.Sprintf("%s has no keys below it", key)}
	}
	if err := setScalar(f, value); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return nil
}

// setSliceElem sets a key of entry N of an array of tables ("0_BRANCH");
// N may be one past the last entry, which adds one.
func setSliceElem(f reflect.Value, rest, key, value string) error {
	num, below, _ := strings.Cut(rest, "_")
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || strconv.Itoa(n) != num {
		return fmt.Errorf("%s is an array of tables: want %s_<index>_<KEY> (index 0, 1, …)", key, EnvName(key))
	}
	ekey := fmt.Sprintf("%s[%d]", key, n)
	switch {
	case n > f.Len():
		return fmt.Errorf("%s: no such entry (%d configured; the variables may add the next one, %d)", ekey, f.Len(), f.Len())
	case n == f.Len():
		f.Set(reflect.Append(f, reflect.Zero(f.Type().Elem())))
	}
	if below == "" {
		return fmt.Errorf("%s is a table: name one of its keys", ekey)
	}
	return setEnv(f.Index(n), below, ekey, value)
}

// setScalar sets a string, bool, number or list of strings (comma
// separated) from its text.
func setScalar(f reflect.Value, value string) error {
	switch f.Kind() {
	case reflect.String:
		f.SetString(value)
	case reflect.Bool:
		b, err := strconv.ParseBool(value)
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(value, 10, f.Type().Bits())
		if err != nil {
			return fmt.Errorf("want an integer")
		}
		f.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(value, 10, f.Type().Bits())
		if err != nil {
			return fmt.Errorf("want a non-negative integer")
		}
		f.SetUint(n)
	case reflect.Float32, reflect.Float64:
		x, err := strconv.ParseFloat(value, f.Type().Bits())
		if err != nil {
			return fmt.Errorf("want a number")
		}
		f.SetFloat(x)
	case reflect.Slice:
		if f.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("a list of %s is not overridable by the environment", f.Type().Elem())
		}
		var items []string
		for _, s := range strings.Split(value, ",") {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
		l := reflect.MakeSlice(f.Type(), len(items), len(items))
		for i, s := range items {
			l.Index(i).SetString(s)
		}
		f.Set(l)
	default:
		return fmt.Errorf("a %s is not overridable by the environment", f.Type())
	}
	return nil
}
