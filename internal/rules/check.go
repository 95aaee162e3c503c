package rules

import (
	"fmt"
	"strings"

	"github.com/feedwatch/feedwatch/internal/diag"
)

// Feed is a configured feed as rules see it: the name and tags a rule's
// feeds: may name.
type Feed struct {
	Name string
	Tags []string
}

// Check is the one judge of a rules folder, for feedwatch check, start-up
// and every reload alike: the files read and compiled (LoadDir), every
// rule's feeds: naming a configured feed or tag, and every rule's own
// tests: passing. It returns every problem at once as diag.Problems, and
// the set as far as it compiled (check lists its warnings); a caller that
// puts rules in force uses the set only when there is no problem.
func Check(dir string, feeds []Feed) (*Set, error) {
	set, err := LoadDir(dir)
	var problems diag.Problems
	if err != nil {
		problems = diag.List(dir, err)
	}
	if set != nil { // every mistake at once: the files that compiled are judged too
		problems = append(problems, set.unknownFeeds(feeds)...)
		problems = append(problems, set.RunTests()...)
	}
	if len(problems) > 0 {
		return set, problems
	}
	return set, nil
}

// unknownFeeds reports rules whose feeds: names a feed or tag that no
// configured feed has: such a rule would silently never match.
func (s *Set) unknownFeeds(feeds []Feed) diag.Problems {
	names, tags := map[string]bool{}, map[string]bool{}
	for _, f := range feeds {
		names[strings.ToLower(f.Name)] = true
		for _, t := range f.Tags {
			tags[strings.ToLower(t)] = true
		}
	}
	var ps diag.Problems
	for _, r := range s.Rules {
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
