package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

var flagInArgs = regexp.MustCompile(`--?[a-z]+`)

// cmdCompletion prints a shell completion script: command names, and each
// command's flags as its usage line names them.
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
	var names []string
	var cases strings.Builder
	for _, c := range commands() {
		names = append(names, c.name)
		fl := append([]string{"--config"}, flagInArgs.FindAllString(c.args, -1)...)
		fmt.Fprintf(&cases, "    %s) flags=%q ;;\n", c.name, strings.Join(fl, " "))
	}
	names = append(names, "help", "version")
	if shell == "zsh" {
		fmt.Fprintln(e.stdout, "autoload -U +X bashcompinit && bashcompinit")
	}
	fmt.Fprintf(e.stdout, `_feedwatch() {
  local cur cmd flags
  cur="${COMP_WORDS[COMP_CWORD]}"
  cmd="${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W %q -- "$cur") )
    return
  fi
  case "$cmd" in
%s    *) flags="--config" ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$flags" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}
complete -F _feedwatch feedwatch
`, strings.Join(names, " "), cases.String())
	return exitOK
}
