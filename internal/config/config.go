// Package config reads feedwatch's configuration file: strict YAML (unknown
// keys are errors), defaults, ${VAR} expansion from the environment,
// secrets from files, relative paths resolved against the file's folder,
// and validation whose problems name the field and its line.
package config

import (
	"fmt"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/feedwatch/feedwatch/internal/cronspec"
	"github.com/feedwatch/feedwatch/internal/diag"
)

// Config is the whole configuration. It is a value: nothing reads it from
// a global.
type Config struct {
	Path     string   `yaml:"-"` // the file it was read from
	Schedule string   `yaml:"schedule"`
	Timezone string   `yaml:"timezone"`
	RulesDir string   `yaml:"rules_dir"`
	Backfill Duration `yaml:"backfill"`
	MaxAge   Duration `yaml:"max_age"`
	Storage  Storage  `yaml:"storage"`
	Fetch    Fetch    `yaml:"fetch"`
	Slack    Slack    `yaml:"slack"`
	Server   Server   `yaml:"server"`
	Log      Log      `yaml:"log"`
	Feeds    []Feed   `yaml:"feeds"`
	// FeedsFile is an OPML subscription list whose feeds are added to
	// Feeds (readOPML), read with the config and again on every reload.
	FeedsFile string `yaml:"feeds_file,omitempty"`
}

// Fetch holds the HTTP fetching settings.
type Fetch struct {
	Concurrency int      `yaml:"concurrency"`
	Timeout     Duration `yaml:"timeout"`
	MaxBody     Size     `yaml:"max_body"`
	UserAgent   string   `yaml:"user_agent"`
}

// Server is the health and metrics endpoint.
type Server struct {
	Listen string `yaml:"listen"`
}

// Log configures the logger.
type Log struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// Feed is one feed to poll.
type Feed struct {
	Name     string   `yaml:"name"`
	URL      string   `yaml:"url"`
	Tags     []string `yaml:"tags"`
	Schedule string   `yaml:"schedule"`           // empty: the global schedule
	Timezone string   `yaml:"timezone,omitempty"` // the publisher's zone, for dates without one or with an ambiguous abbreviation
	// UserAgent, Headers and BasicAuth are sent with this feed's requests:
	// a publisher that blocks feedwatch's User-Agent, wants an API key
	// header, or puts its feed behind a login. Header values and the
	// password are secrets: redacted wherever they are shown.
	UserAgent string            `yaml:"user_agent,omitempty"`
	Headers   map[string]Secret `yaml:"headers,omitempty"`
	BasicAuth *BasicAuth        `yaml:"basic_auth,omitempty"`
	Origin    string            `yaml:"-"` // the feeds_file a feed was read from; "" for one in config.yaml
	Line      int               `yaml:"-"` // its line there
	zone      *time.Location    // Timezone, loaded once (resolve)
}

// BasicAuth is a feed's HTTP Basic login; the password may come from a
// file (password_file) or ${VAR}.
type BasicAuth struct {
	Username     string `yaml:"username"`
	Password     Secret `yaml:"password,omitempty"`
	PasswordFile string `yaml:"password_file,omitempty"`
}

// Zone is the feed's timezone:, nil when it has none (its dates are read
// as they say, and as UTC when they say nothing).
func (f Feed) Zone() *time.Location {
	if f.zone != nil || f.Timezone == "" {
		return f.zone
	}
	loc, _ := time.LoadLocation(f.Timezone) // a Feed not made by Load; a bad name is refused there
	return loc
}

// FeedName and FeedTags are what a rule's feeds: may name (rules.Feed).
func (f Feed) FeedName() string { return f.Name }

// FeedTags are the feed's tags (rules.Feed).
func (f Feed) FeedTags() []string { return f.Tags }

// Default returns the configuration used for every key the file leaves out.
func Default() Config {
	return Config{
		Schedule: "*/5 * * * *",
		Timezone: "UTC",
		RulesDir: "rules",
		Backfill: Duration(24 * time.Hour),
		MaxAge:   Duration(7 * 24 * time.Hour),
		Storage:  Storage{Driver: "sqlite", Path: "data/feedwatch.db", Lease: Duration(2 * time.Minute), Retention: Duration(90 * 24 * time.Hour)},
		Fetch:    Fetch{Concurrency: 8, Timeout: Duration(20 * time.Second), MaxBody: 10 << 20},
		Slack:    Slack{Channel: "#news-alerts", GiveUpAfter: Duration(24 * time.Hour), FloodAfter: 20, GroupWait: Duration(2 * time.Second)},
		Server:   Server{Listen: "127.0.0.1:9090"},
		Log:      Log{Level: "info", Format: "text"},
	}
}

// Load reads, expands, resolves and validates the file at path. lookupEnv
// resolves ${VAR} (os.LookupEnv in the binary, a map in tests). Every
// problem is returned at once as diag.Problems.
func Load(path string, lookupEnv func(string) (string, bool)) (*Config, error) {
	data, err := diag.ReadFile(path, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	cfg := Default()
	root, err := diag.DecodeStrict(path, data, &cfg)
	if root == nil {
		return nil, err // not YAML at all
	}
	// Values that did not decode are problems; the rest is still checked,
	// so that every mistake is reported at once.
	problems := diag.List(path, err)
	failed := map[int]bool{}
	for _, p := range problems {
		failed[p.Line] = true
	}
	cfg.Path = path
	expandEnv(reflect.ValueOf(&cfg).Elem(), lookupEnv)
	fromEnv := cfg.envDefaults(root, lookupEnv)
	for _, p := range append(cfg.resolve(), cfg.Validate()...) {
		if f := cfg.listedFeed(p.Field); f != nil { // read from feeds_file: say where there
			problems = append(problems, &diag.Problem{File: f.Origin, Line: f.Line, Msg: fmt.Sprintf("feed %q: %s", f.Name, p.Error())})
			continue
		}
		if v, ok := fromEnv[p.Field]; ok { // not in the file: name the variable, not config.yaml:1:1
			problems = append(problems, &diag.Problem{File: "environment variable " + v, Msg: p.Field + " (not set in " + path + "): " + p.Msg})
			continue
		}
		if pr := diag.At(path, root, p.Field, p.Msg); !failed[pr.Line] || pr.Line == 0 {
			problems = append(problems, pr)
		}
	}
	if len(problems) > 0 {
		sort.SliceStable(problems, func(i, j int) bool { return problems[i].Line < problems[j].Line })
		return nil, problems
	}
	return &cfg, nil
}

// listedFeed is the feed a problem's field names ("feeds[12].url") when
// that feed was read from feeds_file, else nil.
func (c *Config) listedFeed(field string) *Feed {
	var i int
	if _, err := fmt.Sscanf(field, "feeds[%d]", &i); err != nil || i < 0 || i >= len(c.Feeds) || c.Feeds[i].Origin == "" {
		return nil
	}
	return &c.Feeds[i]
}

var envRe = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// expandEnv replaces ${VAR} in every string of v; an unset variable
// becomes the empty string, or DEFAULT with ${VAR:-DEFAULT} (also when
// it is set but empty).
func expandEnv(v reflect.Value, lookup func(string) (string, bool)) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() && strings.Contains(v.String(), "${") {
			v.SetString(envRe.ReplaceAllStringFunc(v.String(), func(m string) string {
				sub := envRe.FindStringSubmatch(m)
				val, _ := lookup(sub[1])
				if val == "" && sub[2] != "" {
					return sub[3]
				}
				return val
			}))
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			expandEnv(v.Field(i), lookup)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			expandEnv(v.Elem(), lookup)
		}
	case reflect.Map: // header values: map values cannot be set in place
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			expandEnv(e, lookup)
			v.SetMapIndex(k, e)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			expandEnv(v.Index(i), lookup)
		}
	}
}

// FieldError is a problem with one field, named by its path (feeds[2].url).
type FieldError struct{ Field, Msg string }

func (e FieldError) Error() string { return e.Field + ": " + e.Msg }

// resolve makes relative paths absolute against the config file's folder
// and reads secrets from files.
func (c *Config) resolve() []FieldError {
	dir := filepath.Dir(c.Path)
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	c.RulesDir = abs(c.RulesDir)
	c.Storage.Path = abs(c.Storage.Path)
	var ps []FieldError
	if c.FeedsFile != "" {
		c.FeedsFile = abs(c.FeedsFile)
		listed, err := readOPML(c.FeedsFile)
		if err != nil {
			ps = append(ps, FieldError{"feeds_file", err.Error()})
		}
		c.Feeds = append(c.Feeds, listed...)
	}
	for i := range c.Feeds {
		if c.Feeds[i].Timezone != "" { // read from disk once, not at every poll
			c.Feeds[i].zone, _ = time.LoadLocation(c.Feeds[i].Timezone)
		}
		// "file:NAME" (no slashes) is a path relative to this file's folder.
		if rest, ok := strings.CutPrefix(c.Feeds[i].URL, "file:"); ok && !strings.HasPrefix(rest, "/") {
			if p, err := filepath.Abs(abs(rest)); err == nil {
				c.Feeds[i].URL = (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String() // a # or ? in a folder's name stays a name
			}
		}
	}
	readSecret := func(field, file string, into *Secret) {
		if file == "" {
			return
		}
		if *into != "" {
			ps = append(ps, FieldError{field, "set either the value or the _file variant, not both"})
			return
		}
		data, err := diag.ReadFile(abs(file), 64<<10)
		if err != nil {
			ps = append(ps, FieldError{field + "_file", fmt.Sprintf("cannot read secret file: %v", err)})
			return
		}
		*into = Secret(strings.TrimSpace(string(data)))
	}
	readSecret("slack.token", c.Slack.TokenFile, &c.Slack.Token)
	readSecret("slack.webhook_url", c.Slack.WebhookURLFile, &c.Slack.WebhookURL)
	readSecret("slack.app_token", c.Slack.AppTokenFile, &c.Slack.AppToken)
	for i, f := range c.Feeds {
		if f.BasicAuth != nil {
			readSecret(fmt.Sprintf("feeds[%d].basic_auth.password", i), f.BasicAuth.PasswordFile, &c.Feeds[i].BasicAuth.Password)
		}
	}
	return ps
}

// KeepArticles is how long articles are kept: storage.retention, or
// max_age when that is longer. An article deleted while its feed still
// lists it would be new again and could alert a second time, so nothing
// is deleted while it may still alert.
func (c *Config) KeepArticles() time.Duration {
	return max(c.Storage.Retention.D(), c.MaxAge.D())
}

// Location returns the time zone schedules run in.
func (c *Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// String prints the configuration as YAML with secrets redacted.
func (c *Config) String() string {
	out, err := yaml.Marshal(c)
	if err != nil {
		return err.Error()
	}
	return string(out)
}

// FeedSchedule is the cron spec a feed is polled on: its own, else the
// global one.
func (c *Config) FeedSchedule(f Feed) string {
	if f.Schedule != "" {
		return f.Schedule
	}
	return c.Schedule
}

// FeedInterval is how long f's schedule leaves between polls around now
// (cronspec.Interval), the unit of its backoff after failures.
func (c *Config) FeedInterval(f Feed, now time.Time) time.Duration {
	return cronspec.Interval(c.FeedSchedule(f), now)
}

// FeedDue is when the poll of f due at now (or last due) was due: the same
// in every process running f's schedule (cronspec.Due).
func (c *Config) FeedDue(f Feed, now time.Time) time.Time {
	return cronspec.Due(c.FeedSchedule(f), now)
}

// FeedsChangedFrom are the feeds of c that old did not have, or had with
// another URL.
func (c *Config) FeedsChangedFrom(old *Config) []Feed {
	had := map[string]string{}
	for _, f := range old.Feeds {
		had[f.Name] = f.URL
	}
	var out []Feed
	for _, f := range c.Feeds {
		if url, ok := had[f.Name]; !ok || url != f.URL {
			out = append(out, f)
		}
	}
	return out
}

// EnvDefaults are the settings an environment variable provides when the
// file leaves them out: so that a container or a systemd unit can set the
// secrets and the places with the variables operators expect, whatever
// configuration file is mounted. A value in the file (even empty) wins.
var EnvDefaults = []struct{ Field, Var string }{
	{"slack.token", "SLACK_BOT_TOKEN"},
	{"slack.webhook_url", "SLACK_WEBHOOK_URL"},
	{"slack.app_token", "SLACK_APP_TOKEN"},
	{"server.listen", "FEEDWATCH_LISTEN"},
	{"storage.path", "FEEDWATCH_DATA_DIR"}, // the folder: the database is feedwatch.db in it
	{"storage.url", "FEEDWATCH_DATABASE_URL"},
}

// envDefaults applies EnvDefaults and returns the fields they set, with
// the variable each came from.
func (c *Config) envDefaults(root *yaml.Node, lookupEnv func(string) (string, bool)) map[string]string {
	from := map[string]string{}
	for _, d := range EnvDefaults {
		v, ok := lookupEnv(d.Var)
		if !ok || v == "" || diag.Has(root, d.Field) {
			continue
		}
		from[d.Field] = d.Var
		switch d.Field {
		case "slack.token":
			if !diag.Has(root, "slack.token_file") && !diag.Has(root, "slack.webhook_url") {
				c.Slack.Token = Secret(v)
			} else {
				delete(from, d.Field)
			}
		case "slack.webhook_url":
			if !diag.Has(root, "slack.webhook_url_file") && !diag.Has(root, "slack.token") && c.Slack.Token == "" {
				c.Slack.WebhookURL = Secret(v)
			} else {
				delete(from, d.Field)
			}
		case "slack.app_token":
			if diag.Has(root, "slack.app_token_file") {
				delete(from, d.Field)
			} else {
				c.Slack.AppToken = Secret(v)
			}
		case "server.listen":
			c.Server.Listen = v
		case "storage.path":
			c.Storage.Path = filepath.Join(v, "feedwatch.db")
		case "storage.url":
			c.Storage.URL = DatabaseURL(v)
		}
	}
	return from
}
