// Package schema writes JSON Schemas (draft 2020-12) for rule files and
// config.yaml, made by reflection from the very structs the loaders
// decode into, so that an editor (VS Code's YAML extension, any
// yaml-language-server client) validates and completes a file as it is
// typed, and the schema cannot drift from the loader. The loader stays the
// judge: it checks what a schema cannot (queries, feeds that exist,
// schedules); a test checks that both refuse a set of wrong files.
package schema

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"strings"

	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/rules"
)

// Rules is the schema of a rule or lists file.
func Rules() []byte {
	s := object(reflect.TypeOf(rules.FileModel()), "", ruleDocs)
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["title"] = "feedwatch rule or lists file"
	s["anyOf"] = []any{map[string]any{"required": []string{"query"}}, map[string]any{"required": []string{"lists"}}}
	return encode(s)
}

// Config is the schema of config.yaml.
func Config() []byte {
	s := object(reflect.TypeOf(config.Config{}), "", configDocs)
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["title"] = "feedwatch config.yaml"
	return encode(s)
}

func encode(s map[string]any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // "<@U…>" as written
	enc.SetIndent("", "  ")
	enc.Encode(s)
	return b.Bytes()
}

// special are the types that read from text of their own syntax, and
// fields whose values are a fixed set, by their YAML path.
var (
	durationPattern = `^\s*(0|([0-9]+(\.[0-9]+)?d)?([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))*)\s*$`
	special         = map[reflect.Type]map[string]any{
		reflect.TypeOf(config.Duration(0)): {"type": "string", "pattern": durationPattern,
			"description": "a duration: Go syntax (90s, 20m, 1h30m) or days (7d, 1d12h)"},
		reflect.TypeOf(config.Size(0)): {"anyOf": []any{
			map[string]any{"type": "integer", "minimum": 0},
			map[string]any{"type": "string", "pattern": `^\s*[0-9]+\s*(B|KB|MB|GB|KiB|MiB|GiB)?\s*$`},
		}, "description": "a size: bytes, or with a unit (512KiB, 10MiB)"},
	}
	enums = map[string][]string{
		"log.level":             {"debug", "info", "warn", "error"},
		"log.format":            {"text", "json"},
		"tests[].expect":        {"match", "no_match"},
		"slack.silence_notices": {"", "ops", "channel"},
	}
	patterns = map[string]string{
		"mention": `^(here|channel|everyone|<@[UW][A-Z0-9]+>|<!subteam\^[A-Z0-9]+(\|[^<>]*)?>)$`,
	}
	ruleDocs = map[string]string{
		"query":       "the rule's query: words, \"phrases\", AND OR NOT, NEAR/n, field:, @lists (see the README)",
		"name":        "shown in Slack; default: the file name",
		"description": "what the rule is for, for its editors",
		"feeds":       "feed names or tag:NAME; empty: every feed",
		"channel":     "Slack channel (#name or an id); default: slack.channel",
		"mention":     "here, channel, everyone, <@U…> or <!subteam^…>",
		"digest":      "a cron schedule: matches are held and posted together then",
		"enabled":     "false keeps the rule loaded but silent",
		"tests":       "examples the rule must match (expect: match) or not (no_match); run by feedwatch check",
		"lists":       "a lists file: named lists of words and phrases, used in queries as @name",
	}
	configDocs = map[string]string{
		"schedule":              "poll schedule: 5-field cron, @every 10m, @hourly, or a CRON_TZ=… prefix",
		"timezone":              "the IANA time zone schedules run in",
		"rules_dir":             "folder of rule and lists files",
		"backfill":              "on a feed's first fetch only items this recent may alert",
		"max_age":               "older items never alert",
		"feeds_file":            "an OPML subscription list whose feeds are added to feeds",
		"feeds":                 "the feeds to poll",
		"feeds[].schedule":      "this feed's own poll schedule",
		"feeds[].timezone":      "the publisher's IANA zone, for dates without one or with AST, IST…",
		"feeds[].headers":       "headers sent with this feed's requests (values are secrets)",
		"feeds[].basic_auth":    "an HTTP Basic login for this feed",
		"feeds[].user_agent":    "the User-Agent for this feed's requests",
		"slack.token":           "bot token (xoxb-…); default: $SLACK_BOT_TOKEN",
		"slack.webhook_url":     "incoming webhook URL; default: $SLACK_WEBHOOK_URL",
		"slack.channel":         "the channel alerts go to unless a rule names one",
		"server.listen":         "address of /healthz, /readyz and /metrics; empty turns it off",
		"storage.driver":        "sqlite (the default: one process) or postgres (several processes may share the database)",
		"storage.path":          "the SQLite database",
		"storage.url":           "the PostgreSQL database, postgres://user:password@host:5432/name (driver postgres; env FEEDWATCH_DATABASE_URL)",
		"storage.lease":         "how long a process holds a feed, a channel or a post it claimed unless it renews it: longer than fetch.timeout",
		"storage.retention":     "how long articles are kept",
		"slack.ops_channel":     "channel for operator notices (feeds failing, deliveries failing)",
		"slack.flood_after":     "alerts waiting for one channel that still go out one post each",
		"slack.group_wait":      "how long a poll round's alerts for a channel gather before posting",
		"slack.give_up_after":   "stop retrying a delivery after this long",
		"slack.silence_notices": "where the end of a silence is told: ops (the ops channel, else slack.channel) or channel (the rule's or the story's)",
		"slack.app_token":       "app-level token (xapp-…, connections:write) for Socket Mode: buttons on alerts and /feedwatch; default: $SLACK_APP_TOKEN",
		"slack.interact.allow":  "Slack user IDs (U…, W…) and user-group IDs (S…) who may act from Slack; empty: members of the message's channel",
	}
)

// object is the schema of a struct: its YAML keys and nothing else.
func object(t reflect.Type, path string, docs map[string]string) map[string]any {
	props := map[string]any{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		p := strings.TrimPrefix(path+"."+name, ".")
		props[name] = of(f.Type, p, docs)
	}
	return map[string]any{"type": "object", "properties": props, "additionalProperties": false}
}

// of is the schema of one value at path.
func of(t reflect.Type, path string, docs map[string]string) map[string]any {
	if sp, ok := special[t]; ok {
		s := maps.Clone(sp)
		if d, ok := docs[path]; ok {
			s["description"] = d + ": " + sp["description"].(string)
		}
		return s
	}
	var s map[string]any
	switch t.Kind() {
	case reflect.Pointer:
		return of(t.Elem(), path, docs)
	case reflect.Struct:
		s = object(t, path, docs)
	case reflect.Slice:
		s = map[string]any{"type": "array", "items": of(t.Elem(), path+"[]", docs)}
	case reflect.Map:
		s = map[string]any{"type": "object", "additionalProperties": of(t.Elem(), path+".*", docs)}
	case reflect.Bool:
		s = map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64:
		s = map[string]any{"type": "integer"}
	default:
		s = map[string]any{"type": "string"}
	}
	if e, ok := enums[path]; ok {
		s["enum"] = e
	}
	if p, ok := patterns[path]; ok {
		s["pattern"] = p
	}
	if d, ok := docs[path]; ok {
		s["description"] = d
	}
	return s
}
