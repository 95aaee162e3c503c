// Command feedwatch watches news feeds for the topics in rules/ and posts
// each new match to Slack, once, with the reason it matched.
//
// main only parses the command line, sets up logging and signals, and
// exits with run's status; the work is done by internal/daemon.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // schedules honour any time zone, even on images without zoneinfo
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

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
		{"backtest", "--rule FILE [--since 7d]", "replay stored articles against a rule and list what would have matched", cmdBacktest},
		{"status", "", "show feed health, rules, pending and failed deliveries, recent alerts", cmdStatus},
		{"retry", "[--since 7d]", "queue deliveries that failed for good again, once their cause is fixed", cmdRetry},
		{"healthcheck", "", "exit 0 when the running daemon answers /readyz (for Docker HEALTHCHECK)", cmdHealthcheck},
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	return runWithHUP(ctx, args, stdin, stdout, stderr, lookupEnv, nil)
}

func runWithHUP(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, lookupEnv func(string) (string, bool), hup <-chan os.Signal) int {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr, lookupEnv: lookupEnv, hup: hup}
	name := "run"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	switch name {
	case "help":
		if len(args) > 0 {
			for _, c := range commands() {
				if c.name == args[0] {
					return c.run(ctx, e, []string{"-h"})
				}
			}
		}
		usage(stdout)
		return exitOK
	case "version":
		fmt.Fprintln(stdout, "feedwatch", version)
		return exitOK
	}
	if name == "run" && len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		// "feedwatch -h" asks for the overview, not just run's flags.
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, e, args)
		}
	}
	fmt.Fprintf(stderr, "feedwatch: unknown command %q\n\n", name)
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "feedwatch %s watches news feeds and posts matching articles to Slack.\n\n", version)
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
	cfg := fs.String("config", "config.yaml", "configuration `FILE`")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: feedwatch %s [--config FILE] %s\n\n%s\n\nFlags:\n", name, args, summary)
		fs.PrintDefaults()
	}
	return fs, cfg
}

// parse parses a command's flags; it returns an exit code and false when
// the command should stop (help asked, or bad flags).
func parse(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
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

// parseWithArgs is parse for commands that take arguments after the flags.
func parseWithArgs(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
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
