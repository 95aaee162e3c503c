package config

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/feedwatch/feedwatch/internal/diag"
)

// Setting is one value of the effective configuration and where it came
// from: "file", "file, ${VAR}" (VAR set), "file: the default in ${VAR:-…}
// (VAR is not set)", "file: ${VAR} is not set, so empty", "environment
// (VAR)" or "default".
type Setting struct {
	Key, Value, Source string
}

// Effective lists every setting of the configuration at path as feedwatch
// uses it (after ${VAR}, the environment's defaults and the built-in ones),
// secrets redacted, with where each came from.
func Effective(path string, lookupEnv func(string) (string, bool)) ([]Setting, error) {
	cfg, err := Load(path, lookupEnv)
	if err != nil {
		return nil, err
	}
	data, err := diag.ReadFile(path, 1<<20)
	if err != nil {
		return nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	var out []Setting
	walk(reflect.ValueOf(*cfg), "", func(key string, v reflect.Value) {
		src := source(&root, key, lookupEnv)
		if f := cfg.listedFeed(key); f != nil {
			src = fmt.Sprintf("feeds_file %s:%d", f.Origin, f.Line)
		}
		out = append(out, Setting{Key: key, Value: show(v), Source: src})
	})
	return out, nil
}

// walk calls leaf for every scalar and list field, by its YAML path.
func walk(v reflect.Value, prefix string, leaf func(string, reflect.Value)) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		key := strings.TrimPrefix(prefix+"."+tag, ".")
		f := v.Field(i)
		switch {
		case f.Kind() == reflect.Pointer && f.IsNil(): // an optional block left out (basic_auth)
		case f.Kind() == reflect.Pointer:
			walk(f.Elem(), key, leaf)
		case f.Kind() == reflect.Struct:
			walk(f, key, leaf)
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Struct:
			for j := 0; j < f.Len(); j++ {
				walk(f.Index(j), fmt.Sprintf("%s[%d]", key, j), leaf)
			}
		default:
			leaf(key, f)
		}
	}
}

func show(v reflect.Value) string {
	if s, ok := v.Interface().(fmt.Stringer); ok {
		return s.String() // durations, sizes; secrets print redacted
	}
	if v.Kind() == reflect.Map { // headers: names shown, values are secrets
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, fmt.Sprintf("%s: %v", k, v.MapIndex(k).Interface()))
		}
		sort.Strings(keys)
		return "{" + strings.Join(keys, ", ") + "}"
	}
	if v.Kind() == reflect.Slice {
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = fmt.Sprint(v.Index(i).Interface())
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v.Interface())
}

func source(root *yaml.Node, key string, lookupEnv func(string) (string, bool)) string {
	if diag.Has(root, key) {
		m := envRe.FindStringSubmatch(nodeValue(root, key))
		if m == nil {
			return "file"
		}
		v, _ := lookupEnv(m[1])
		switch {
		case v != "":
			return "file, ${" + m[1] + "}"
		case m[2] != "": // ${VAR:-default}
			return "file: the default in ${" + m[1] + ":-…} (" + m[1] + " is not set)"
		}
		return "file: ${" + m[1] + "} is not set, so empty"
	}
	for _, d := range EnvDefaults {
		if d.Field == key {
			if v, ok := lookupEnv(d.Var); ok && v != "" {
				return "environment (" + d.Var + ")"
			}
		}
	}
	return "default"
}

func nodeValue(root *yaml.Node, key string) string {
	if n := diag.Locate(root, key); n != nil {
		return n.Value
	}
	return ""
}
