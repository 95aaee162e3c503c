package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/secret"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written in Go syntax plus a "d" unit for
// days: "90d", "1d12h", "20s".
type Duration time.Duration

// ParseDuration parses Go durations plus whole or fractional days ("7d").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "d"); i >= 0 {
		days, err := strconv.ParseFloat(s[:i], 64)
		if err != nil || days < 0 {
			return 0, fmt.Errorf("invalid duration %q (use Go syntax such as 90s, 20m, 24h, or days such as 7d)", s)
		}
		d := time.Duration(days * 24 * float64(time.Hour))
		if rest := s[i+1:]; rest != "" {
			more, err := time.ParseDuration(rest)
			if err != nil {
				return 0, fmt.Errorf("invalid duration %q (use Go syntax such as 90s, 20m, 24h, or days such as 7d)", s)
			}
			d += more
		}
		return d, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q (use Go syntax such as 90s, 20m, 24h, or days such as 7d)", s)
	}
	return d, nil
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return lineError(n, err.Error())
	}
	*d = Duration(v)
	return nil
}

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String writes d as a person writes it in config.yaml: whole days as
// "7d", else Go's form without trailing zero units ("20m", "1h30m", "90s"
// as "1m30s").
func (d Duration) String() string {
	const day = 24 * time.Hour
	td := time.Duration(d)
	if td >= day && td%day == 0 {
		return strconv.FormatInt(int64(td/day), 10) + "d"
	}
	s := td.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Size is a byte count written as 10MiB, 512KiB, 1GB or a plain number.
type Size int64

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000}, {"B", 1},
}

// String writes s as a person writes it in config.yaml: the largest
// binary unit it is a whole number of ("10MiB"), else bytes.
func (s Size) String() string {
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if s > 0 && int64(s)%u.mult == 0 {
			return strconv.FormatInt(int64(s)/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(s), 10)
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	v := strings.TrimSpace(n.Value)
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(v, u.suffix) {
			v, mult = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.mult
			break
		}
	}
	num, err := strconv.ParseInt(v, 10, 64)
	if err != nil || num < 0 {
		return lineError(n, fmt.Sprintf("invalid size %q (use a number of bytes or units such as 512KiB, 10MiB)", n.Value))
	}
	if num > math.MaxInt64/mult {
		return lineError(n, fmt.Sprintf("size %q is too large", n.Value))
	}
	*s = Size(num * mult)
	return nil
}

// Secret is a string that never prints: fmt, logs and YAML output show it
// redacted. Reveal returns the value for the one place that needs it.
type Secret string

// Storage says which database feedwatch keeps its state in and how long
// articles stay: a SQLite file (driver sqlite, the default: one process)
// or PostgreSQL (driver postgres, url: several processes may share it,
// each feed leased to one of them for Lease at a time).
type Storage struct {
	Driver    string      `yaml:"driver,omitempty"`
	Path      string      `yaml:"path"`
	URL       DatabaseURL `yaml:"url,omitempty"`
	Lease     Duration    `yaml:"lease,omitempty"`
	Retention Duration    `yaml:"retention"`
}

// Target is what store.Open takes: the PostgreSQL URL, or the SQLite path.
func (s Storage) Target() string {
	if s.Driver == "postgres" {
		return string(s.URL)
	}
	return s.Path
}

// Shared reports whether the database may be shared by several processes
// (PostgreSQL).
func (s Storage) Shared() bool { return s.Driver == "postgres" }

// Where names the database for messages: the file, or the URL without its
// password.
func (s Storage) Where() string {
	if s.Shared() {
		return s.URL.String()
	}
	return s.Path
}

// DatabaseURL is a PostgreSQL URL: it prints without its password.
type DatabaseURL string

func (u DatabaseURL) String() string { return secret.Redact(string(u)) }

// MarshalYAML prints it without its password.
func (u DatabaseURL) MarshalYAML() (any, error) { return u.String(), nil }

// Reveal returns the secret value.
func (s Secret) Reveal() string { return string(s) }

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return s.String() }

// MarshalYAML keeps secrets out of printed configuration.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// lineError is a decoding error yaml.v3 collects with the others (a
// *yaml.TypeError), so every bad value is reported at once.
func lineError(n *yaml.Node, msg string) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d, column %d: %s", n.Line, n.Column, msg)}}
}

// Slack holds the delivery settings. With neither Token nor WebhookURL,
// alerts are printed to standard output.
type Slack struct {
	Token          Secret   `yaml:"token"`
	TokenFile      string   `yaml:"token_file"`
	WebhookURL     Secret   `yaml:"webhook_url"`
	WebhookURLFile string   `yaml:"webhook_url_file"`
	Channel        string   `yaml:"channel"`
	OpsChannel     string   `yaml:"ops_channel"`
	APIURL         string   `yaml:"api_url"`
	Unfurl         bool     `yaml:"unfurl"`
	GiveUpAfter    Duration `yaml:"give_up_after"`
	// FloodAfter is how many alerts may wait for one channel and still go
	// out one post each; beyond it the rest are gathered into summaries.
	FloodAfter int `yaml:"flood_after"`
	// GroupWait is how long the daemon leaves newly recorded alerts for a
	// channel to gather before posting them.
	GroupWait Duration `yaml:"group_wait"`
	// SilenceNotices says where the end of a silence is told: "ops" (the
	// ops channel, else slack.channel) or "channel" (where the alerts it
	// held go: the rule's channel, the story's, else slack.channel).
	SilenceNotices string `yaml:"silence_notices"`
	// AppToken (xapp-…, scope connections:write) opens a Socket Mode
	// connection: with it and a bot token, alerts carry buttons and
	// /feedwatch answers. Interact says who may use them.
	AppToken     Secret   `yaml:"app_token"`
	AppTokenFile string   `yaml:"app_token_file"`
	Interact     Interact `yaml:"interact"`
}

// Interact says who may act on alerts from Slack. Allow lists Slack user
// IDs (U…, W…) and user-group IDs (S…); empty, anyone who is a member of
// the channel the message is in may.
type Interact struct {
	Allow []string `yaml:"allow"`
}

// Interactive reports whether analysts can answer the bot: a bot token
// and an app-level token.
func (s Slack) Interactive() bool { return s.Token != "" && s.AppToken != "" }
