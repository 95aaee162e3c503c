package main

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/diag"
	"github.com/feedwatch/feedwatch/internal/poll"
	"github.com/feedwatch/feedwatch/internal/slack"
)

// dryRun polls as once does and prints, feed by feed, each message a new
// or changed item would send and where (channel, mention, held for a
// digest), recording and posting nothing. Whether an alert would go as a
// reply in a story's thread is decided when posting, so it is shown as a
// post of its own.
func dryRun(s *session, e env, narrow poll.Narrow) int {
	var mu sync.Mutex
	byFeed := map[string][]article.Item{}
	narrow.Preview = func(feed string, items []article.Item) {
		mu.Lock()
		byFeed[feed] = items
		mu.Unlock()
	}
	res, _ := s.p.Daemon.Once(s.ctx, 0, narrow)
	failed, skipped := reportFeeds(e, res.PollResult)
	names := make([]string, 0, len(byFeed))
	for name := range byFeed {
		names = append(names, name)
	}
	sort.Strings(names)
	items, alerts := 0, 0
	for _, name := range names {
		for _, it := range byFeed[name] {
			items++
			for _, o := range it.Outgoing {
				alerts++
				if o.HoldFor != "" {
					fmt.Fprintf(e.stdout, "(held for the digest of rule %s)\n", o.HoldFor)
				}
				fmt.Fprintln(e.stdout, slack.Plain(o.Message))
			}
		}
	}
	fmt.Fprintf(e.stderr, "dry run: polled %d feeds (%d failed, %d skipped); %d new or changed items, %d messages would be sent; nothing recorded or posted\n",
		res.Feeds, failed, skipped, items, alerts)
	return exitOK
}

// hasFeed reports whether the configuration has a feed of that name, and
// says which it may have meant when not.
func hasFeed(e env, cfg *config.Config, name string) bool {
	var names []string
	for _, f := range cfg.Feeds {
		if f.Name == name {
			return true
		}
		names = append(names, f.Name)
	}
	msg := fmt.Sprintf("feedwatch once: no feed is named %q", name)
	if near := diag.Nearest(name, names); near != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", near)
	} else if len(names) > 0 {
		msg += " (feeds: " + strings.Join(names, ", ") + ")"
	}
	fmt.Fprintln(e.stderr, msg)
	return false
}
