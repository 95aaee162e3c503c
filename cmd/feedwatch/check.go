package main

import (
	"fmt"
	"strings"

	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/diag"
	"github.com/feedwatch/feedwatch/internal/rules"
)

// unknownFeeds reports rules whose feeds: names a feed or tag that no
// configured feed has: such a rule would silently never match.
func unknownFeeds(set *rules.Set, feeds []config.Feed) diag.Problems {
	names, tags := map[string]bool{}, map[string]bool{}
	for _, f := range feeds {
		names[strings.ToLower(f.Name)] = true
		for _, t := range f.Tags {
			tags[strings.ToLower(t)] = true
		}
	}
	var ps diag.Problems
	for _, r := range set.Rules {
		for _, f := range r.Feeds {
			if tag, ok := strings.CutPrefix(f, "tag:"); ok {
				if !tags[strings.ToLower(tag)] {
					ps = append(ps, &diag.Problem{File: r.File, Msg: fmt.Sprintf("feeds: no configured feed has tag %q", tag)})
				}
			} else if !names[strings.ToLower(f)] {
				ps = append(ps, &diag.Problem{File: r.File, Msg: fmt.Sprintf("feeds: no configured feed is named %q", f)})
			}
		}
	}
	return ps
}
