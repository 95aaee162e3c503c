package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
)

// flagLine is a flag as PrintDefaults lists it in a command's help.
var flagLine = regexp.MustCompile(`(?m)^  -([a-z][a-z-]*)`)

// commandFlags are the flags a command really takes, read from its own
// help, so completion never drifts from the flag sets.
func commandFlags(c command) []string {
	var help strings.Builder
	c.run(context.Background(), env{stdin: strings.NewReader(""), stdout: &help, stderr: &help, lookupEnv: noEnv}, []string{"-h"})
	var out []string
	for _, m := range flagLine.FindAllStringSubmatch(help.String(), -1) {
		if len(m[1]) == 1 {
			out = append(out, "-"+m[1]) // -o, as operators type it
		} else {
			out = append(out, "--"+m[1])
		}
	}
	sort.Strings(out)
	return out
}

func noEnv(string) (string, bool) { return "", false }

// commandWords are the words a command takes after it: files for test,
// the shells for completion, the commands for help, export for feeds.
func commandWords(name string, names []string) string {
	switch name {
	case "test":
		return "@files"
	case "completion":
		return "bash zsh"
	case "help":
		return strings.Join(names, " ")
	case "feeds":
		return "export"
	case "schema":
		return "rules config"
	case "silence":
		return "add list expire"
	}
	return ""
}

// cmdCompletion prints a shell completion script: command names (also
// after global flags such as --config), each command's own flags, the
// words it takes, text|json after -o and files after --config, --rule
// and for test's inputs.
func cmdCompletion(_ context.Context, e env, args []string) int {
	fs, _ := flags(e, "completion", "bash|zsh", "Prints a completion script for bash or zsh. Install it with, for example:\n  feedwatch completion bash > /etc/bash_completion.d/feedwatch\n  source <(feedwatch completion zsh)   # in ~/.zshrc")
	if code, ok := parseWithArgs(fs, args); !ok {
		return code
	}
	shell := fs.Arg(0)
	if shell != "bash" && shell != "zsh" {
		fmt.Fprintln(e.stderr, "feedwatch completion: say bash or zsh")
		return exitUsage
	}
	names := []string{"help", "version"}
	for _, c := range commands() {
		names = append(names, c.name)
	}
	var cases strings.Builder
	for _, c := range commands() {
		fmt.Fprintf(&cases, "    %s) flags=%q; words=%q ;;\n", c.name, strings.Join(commandFlags(c), " "), commandWords(c.name, names))
	}
	fmt.Fprintf(&cases, "    help) flags=\"\"; words=%q ;;\n", strings.Join(names, " "))
	var skip []string
	for f := range valueFlags {
		skip = append(skip, "-"+f, "--"+f)
	}
	sort.Strings(skip)
	if shell == "zsh" {
		fmt.Fprintln(e.stdout, "autoload -U +X bashcompinit && bashcompinit")
	}
	writeScript(e.stdout, strings.Join(names, " "), strings.Join(skip, "|"), cases.String())
	return exitOK
}

func writeScript(w io.Writer, names, valueFlags, cases string) {
	fmt.Fprintf(w, `_feedwatch() {
  local cur prev cmd flags words i w
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  cmd=""
  for ((i=1; i<COMP_CWORD; i++)); do
    w="${COMP_WORDS[i]}"
    case "$w" in
      %s) ((i++)) ;;
      -*) ;;
      *) cmd="$w"; break ;;
    esac
  done
  case "$prev" in
    -o|--o) COMPREPLY=( $(compgen -W "text json" -- "$cur") ); return ;;
    -config|--config|-rule|--rule) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
    -wait|--wait|-since|--since|-query|--query) COMPREPLY=(); return ;;
  esac
  if [ -z "$cmd" ]; then
    if [[ "$cur" == -* ]]; then
      COMPREPLY=( $(compgen -W "--config --version --help" -- "$cur") )
    else
      COMPREPLY=( $(compgen -W %q -- "$cur") )
    fi
    return
  fi
  flags="--config"; words=""
  case "$cmd" in
%s  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$flags" -- "$cur") )
  elif [ "$words" = "@files" ]; then
    COMPREPLY=( $(compgen -f -- "$cur") )
  else
    COMPREPLY=( $(compgen -W "$words" -- "$cur") )
  fi
}
complete -F _feedwatch feedwatch
`, valueFlags, names, cases)
}
