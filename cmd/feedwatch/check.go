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
		for i, f := range r.Feeds {
			p := &diag.Problem{File: r.File}
			if i < len(r.FeedAt) {
				p.Line, p.Col = r.FeedAt[i].Line, r.FeedAt[i].Col
			}
			if tag, ok := strings.CutPrefix(f, "tag:"); ok {
				if !tags[strings.ToLower(tag)] {
					p.Msg = fmt.Sprintf("feeds[%d]: no configured feed has tag %q", i, tag)
					ps = append(ps, p)
				}
			} else if !names[strings.ToLower(f)] {
				p.Msg = fmt.Sprintf("feeds[%d]: no configured feed is named %q", i, f)
				ps = append(ps, p)
			}
		}
	}
	return ps
}
