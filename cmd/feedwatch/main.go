// Command feedwatch watches news feeds for the topics in rules/ and posts
// each new match to Slack, once, with the reason it matched.
//
// main only parses the command line, sets up logging and signals, and
// exits with run's status; the work is done by internal/daemon.
//
// The command line is the standard flag package, with flags allowed
// anywhere (intersperse: before the command, after the inputs) and a
// completion script generated from the command table. A CLI library
// (spf13/cobra, with pflag) was weighed: it would bring suggestions and
// completion for free, but also GNU-style flags that break the single-dash
// forms operators already script ("-config"), a command-tree rewrite and a
// dependency tree, for what some forty lines here do.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // schedules honour any time zone, even on images without zoneinfo

	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/diag"
)

// version is set at build time with -ldflags "-X main.version=…"; without
// it, buildVersion reads what the Go toolchain recorded.
var version = "dev"

// buildVersion is version, else the module's version (go install …@v1.2.3)
// or the commit it was built from, with "+dirty" for local changes.
func buildVersion() string {
	if version != "dev" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return version
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return version
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "+dirty"
	}
	return "dev-" + rev
}

// Exit codes.
const (
	exitOK       = 0
	exitProblems = 1 // a check or test found problems, or no match
	exitUsage    = 2 // usage or configuration error
)

func main() {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	os.Exit(runWithHUP(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.LookupEnv, hup))
}

// env is how the program sees its environment; tests pass their own.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	lookupEnv      func(string) (string, bool)
	hup            <-chan os.Signal // SIGHUP: reload the configuration and rules
}

type command struct {
	name, args, summary string
	run                 func(ctx context.Context, e env, args []string) int
}

func commands() []command {
	return []command{
		{"run", "", "run the daemon: poll every feed now, then on schedule; deliver; until SIGINT/SIGTERM (the default)", cmdRun},
		{"once", "[--wait 60s]", "poll every feed once, deliver what is pending, exit", cmdOnce},
		{"check", "", "validate the config and rules and run every rule's tests:", cmdCheck},
		{"test", "[--rule FILE | --query Q] [INPUT…]", "match a rule or query against articles, feeds or pages and explain why it matched or not", cmdTest},
		{"backtest", "--rule FILE [--since 7d] [--labels FILE]", "replay stored articles (or labelled examples) against a rule and list what would have matched", cmdBacktest},
		{"status", "", "show feed health, rules, pending and failed deliveries, recent alerts", cmdStatus},
		{"feeds", "[export]", "list the feeds configured, with their health; 'export' prints them as OPML", cmdFeeds},
		{"rules", "", "list the rules: channel, feeds, digest, tests", cmdRules},
		{"silence", "add|list|expire", "mute a rule's or a feed's alerts for a while; list and end silences", cmdSilence},
		{"audit", "[--since 30d]", "list every action taken from Slack (buttons, /feedwatch), allowed or refused", cmdAudit},
		{"feedback", "[export]", "each rule's precision from analysts' feedback; export the judged examples", cmdFeedback},
		{"send-test", "", "post a test message to every channel alerts go to", cmdSendTest},
		{"config", "", "print the configuration in effect, secrets redacted, with where each value came from", cmdConfig},
		{"retry", "[--since 7d]", "queue deliveries that failed for good again, once their cause is fixed", cmdRetry},
		{"migrate", "[--from-sqlite FILE]", "apply the database's migrations; copy a SQLite database into PostgreSQL", cmdMigrate},
		{"healthcheck", "", "exit 0 when the running daemon answers /readyz (for Docker HEALTHCHECK)", cmdHealthcheck},
		{"completion", "bash|zsh", "print a shell completion script", cmdCompletion},
		{"schema", "rules|config", "print the JSON Schema of rule files or config.yaml, for editors", cmdSchema},
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	return runWithHUP(ctx, args, stdin, stdout, stderr, lookupEnv, nil)
}

func runWithHUP(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, lookupEnv func(string) (string, bool), hup <-chan os.Signal) int {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr, lookupEnv: lookupEnv, hup: hup}
	name, named := "run", true
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		name, args = args[0], args[1:]
	} else if found, rest := commandIn(args); found != "" {
		name, args = found, rest
	} else {
		named = false // run, by default
	}
	switch name {
	case "help":
		if len(args) > 0 {
			for _, c := range commands() {
				if c.name == args[0] {
					return c.run(ctx, e, []string{"-h"})
				}
			}
			fmt.Fprintf(stderr, "feedwatch help: unknown command %q\n\n", args[0])
			usage(stderr)
			return exitUsage
		}
		usage(stdout)
		return exitOK
	case "version":
		fmt.Fprintln(stdout, "feedwatch", buildVersion())
		return exitOK
	}
	if wantsVersion(args) {
		fmt.Fprintln(stdout, "feedwatch", buildVersion())
		return exitOK
	}
	if !named && len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		// "feedwatch -h" asks for the overview; "feedwatch run -h" for run's flags.
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, e, args)
		}
	}
	names := []string{"help", "version"}
	for _, c := range commands() {
		names = append(names, c.name)
	}
	if near := diag.Nearest(name, names); near != "" {
		fmt.Fprintf(stderr, "feedwatch: unknown command %q: did you mean %q?\n\n", name, near)
	} else {
		fmt.Fprintf(stderr, "feedwatch: unknown command %q\n\n", name)
	}
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "feedwatch %s watches news feeds and posts matching articles to Slack.\n\n", buildVersion())
	fmt.Fprintln(w, "Usage: feedwatch [command] [--config FILE] [flags]")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "  help        show this, or 'feedwatch help COMMAND'")
	fmt.Fprintln(w, "\nEvery command takes --config FILE (default config.yaml). 'feedwatch COMMAND -h' lists its flags.")
	fmt.Fprintln(w, "Exit status: 0 success, 1 a check or test found problems, 2 usage or configuration error.")
}

// flags returns a flag set for a command with the common --config flag.
func flags(e env, name, args, summary string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	path := "config.yaml"
	if v, ok := e.lookupEnv("FEEDWATCH_CONFIG"); ok && v != "" {
		path = v
	}
	cfg := fs.String("config", path, "configuration `FILE` (FEEDWATCH_CONFIG when set)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: feedwatch %s [--config FILE] %s\n\n%s\n\nFlags:\n", name, args, summary)
		fs.PrintDefaults()
	}
	return fs, cfg
}

// parse parses a command's flags; it returns an exit code and false when
// the command should stop (help asked, or bad flags).
func parse(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(intersperse(fs, args)); err != nil {
		if err == flag.ErrHelp {
			return exitOK, false
		}
		return exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "feedwatch %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return exitUsage, false
	}
	return 0, true
}

// intersperse moves the flags of args before the other arguments, so that
// flags may come anywhere, as operators type them ("test a.txt --query
// Iran"); the standard flag package stops at the first argument that is
// not a flag. "--" ends the flags; "-" is an argument (standard input).
func intersperse(fs *flag.FlagSet, args []string) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(append(flags, "--"), append(rest, args[i+1:]...)...)
		case len(a) < 2 || a[0] != '-':
			rest = append(rest, a)
			continue
		}
		flags = append(flags, a)
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if f := fs.Lookup(name); f != nil && !hasValue && !isBool(f) && i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	return append(flags, rest...)
}

func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// commandIn finds the command name in args when flags come first
// ("feedwatch --config x.yaml -o json status"): the first argument that
// names a command and is not the value of a flag before it. The values
// skipped are those of the flags that take one (valueFlags); an argument
// that names no command is not a command. It returns the name and the
// other args.
func commandIn(args []string) (string, []string) {
	names := map[string]bool{"help": true, "version": true}
	for _, c := range commands() {
		names[c.name] = true
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "-") {
			name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			if valueFlags[name] && !hasValue {
				i++ // its value
			}
			continue
		}
		if names[a] {
			return a, append(append([]string{}, args[:i]...), args[i+1:]...)
		}
	}
	return "", args
}

// valueFlags are the flags of any command that take a value (a test
// checks the list against every command's flags).
var valueFlags = map[string]bool{"config": true, "o": true, "wait": true, "since": true, "labels": true, "rule": true, "query": true, "feed": true,
	"for": true, "until": true, "reason": true, "by": true, "from-sqlite": true}

// wantsVersion reports --version (or -version, -v) among the flags before
// "--", wherever it comes: "feedwatch --config c.yaml --version".
func wantsVersion(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "--version", "-version", "-v":
			return true
		}
	}
	return false
}

// parseWithArgs is parse for commands that take arguments after the flags.
func parseWithArgs(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(intersperse(fs, args)); err != nil {
		if err == flag.ErrHelp {
			return exitOK, false
		}
		return exitUsage, false
	}
	return 0, true
}

// withSignals returns a context cancelled by SIGINT or SIGTERM. After the
// first signal the default handling is restored, so a second one exits at
// once.
func withSignals(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx, stop
}

// durationFlag is a flag written as durations are everywhere in feedwatch:
// Go syntax plus days ("90s", "20m", "7d"), with an error that says so.
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil {
		return ""
	}
	return config.Duration(*f.d).String() // as config.yaml writes it: 1m, 7d
}

func (f durationFlag) Set(s string) error {
	d, err := config.ParseDuration(s)
	if err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "invalid duration "))
	}
	*f.d = d
	return nil
}

// durationVar defines a duration flag on fs.
func durationVar(fs *flag.FlagSet, name string, value time.Duration, usage string) *time.Duration {
	d := value
	fs.Var(durationFlag{&d}, name, usage)
	return &d
}

// formatFlag is -o: text or json, anything else refused (exit 2) rather
// than printed as text.
type formatFlag struct{ s *string }

func (f formatFlag) String() string {
	if f.s == nil {
		return ""
	}
	return *f.s
}

func (f formatFlag) Set(v string) error {
	if v != "text" && v != "json" {
		return fmt.Errorf("%q is not an output format: use text or json", v)
	}
	*f.s = v
	return nil
}

// formatVar defines -o on fs.
func formatVar(fs *flag.FlagSet) *string {
	s := "text"
	fs.Var(formatFlag{&s}, "o", "output `FORMAT`: text or json")
	return &s
}
