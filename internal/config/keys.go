package config

import (
	"reflect"
	"strings"
)

// Key is one key of kiln.toml, as the reference (docs/configuration.md)
// lists it.
type Key struct {
	// Table is the table the key is in as a TOML header names it:
	// "store", "[target]" for an array of tables, "builders.ondemand.<name>".
	Table string
	// Name is the key inside its table.
	Name string
	// Path is the whole key: "store.url", "target[<N>].branch".
	Path string
	// Type is what the value is: string, secret, boolean, integer, number,
	// duration, size, list of strings, table of strings.
	Type string
	// Env says whether a variable overrides the key; EnvVar is its name
	// ("KILN_TARGET_<N>_BRANCH").
	Env    bool
	EnvVar string
	// Struct and Field are the Go struct type and field the key is read
	// into (for its doc comment).
	Struct reflect.Type
	Field  string
}

// Keys lists every key of Config in declaration order.
func Keys() []Key {
	var keys []Key
	walkKeys(reflect.TypeOf(Config{}), "", "", true, &keys)
	return keys
}

var (
	secretType = reflect.TypeOf(Secret(""))
	sizeType   = reflect.TypeOf(Size(0))
	ageType    = reflect.TypeOf(Age(0))
)

// walkKeys adds the keys of struct t; path is the table's key path ("" at
// the top), table its header name.
func walkKeys(t reflect.Type, path, table string, env bool, keys *[]Key) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := tomlTag(f)
		if tag == "" {
			continue
		}
		p := joinKey(path, tag)
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.Struct && !reflect.PointerTo(ft).Implements(textUnmarshaler):
			walkKeys(ft, p, p, env, keys)
			continue
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			walkKeys(ft.Elem(), p+"[<N>]", "["+p+"]", env, keys)
			continue
		case ft.Kind() == reflect.Map && ft.Elem().Kind() == reflect.Struct:
			walkKeys(ft.Elem(), p+".<name>", p+".<name>", false, keys)
			continue
		}
		k := Key{Table: table, Name: tag, Path: p, Type: typeName(ft), Env: env && ft.Kind() != reflect.Map, Struct: t, Field: f.Name}
		if k.Env {
			k.EnvVar = EnvName(strings.ReplaceAll(p, "[<N>]", "_<N>"))
		}
		*keys = append(*keys, k)
	}
}

func typeName(t reflect.Type) string {
	switch {
	case t == secretType:
		return "secret"
	case t == sizeType:
		return "size"
	case t.Name() == "Duration" || t == ageType:
		return "duration"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice:
		return "list of " + typeName(t.Elem()) + "s"
	case reflect.Map:
		return "table of " + typeName(t.Elem()) + "s"
	}
	return t.String()
}
