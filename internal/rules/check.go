package rules

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/feedwatch/feedwatch/internal/diag"
)

// Feed is a configured feed as rules see it: the name and tags a rule's
// feeds: may name (config.Feed is one).
type Feed interface {
	FeedName() string
	FeedTags() []string
}

// Check is the one judge of a rules folder, for feedwatch check, start-up
// and every reload alike: the files read and compiled (LoadDir), every
// rule's feeds: naming one of the configured feeds or their tags, and
// every rule's own tests: passing. It returns every problem at once as
// diag.Problems, and the set as far as it compiled (check lists its
// warnings); a caller that puts rules in force uses the set only when
// there is no problem.
func Check[F Feed](dir string, feeds []F) (*Set, error) {
	set, err := LoadDir(dir)
	var problems diag.Problems
	if err != nil {
		problems = diag.List(dir, err)
	}
	if set != nil { // every mistake at once: the files that compiled are judged too
		names, tags := map[string]bool{}, map[string]bool{}
		for _, f := range feeds {
			names[strings.ToLower(f.FeedName())] = true
			for _, t := range f.FeedTags() {
				tags[strings.ToLower(t)] = true
			}
		}
		problems = append(problems, set.unknownFeeds(names, tags)...)
		problems = append(problems, set.RunTests()...)
	}
	if len(problems) > 0 {
		return set, problems
	}
	return set, nil
}

// unknownFeeds reports rules whose feeds: names a feed or tag that no
// configured feed has (names and tags lower-cased): such a rule would
// silently never match.
func (s *Set) unknownFeeds(names, tags map[string]bool) diag.Problems {
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

// Changes says what s changes from old, for a log line: the rules added,
// removed and changed (query, feeds, channel, mention, digest, enabled or
// name), and whether the lists changed; "nothing changed" when nothing did.
func (s *Set) Changes(old *Set) string {
	before := map[string]*Rule{}
	if old != nil {
		for _, r := range old.Rules {
			before[r.ID] = r
		}
	}
	var added, changed, removed []string
	for _, r := range s.Rules {
		o, ok := before[r.ID]
		switch {
		case !ok:
			added = append(added, r.ID)
		case o.Name != r.Name || o.Query != r.Query || o.Channel != r.Channel || o.Mention != r.Mention ||
			o.Digest != r.Digest || o.Enabled != r.Enabled || !slices.Equal(o.Feeds, r.Feeds):
			changed = append(changed, r.ID)
		}
		delete(before, r.ID)
	}
	for id := range before {
		removed = append(removed, id)
	}
	slices.Sort(removed)
	var parts []string
	for _, p := range []struct {
		what string
		ids  []string
	}{{"added", added}, {"changed", changed}, {"removed", removed}} {
		if len(p.ids) > 0 {
			parts = append(parts, p.what+" "+strings.Join(p.ids, ", "))
		}
	}
	if old != nil && !maps.EqualFunc(old.Lists, s.Lists, slices.Equal) {
		parts = append(parts, "lists changed")
	}
	if len(parts) == 0 {
		return "nothing changed"
	}
	return strings.Join(parts, "; ")
}
