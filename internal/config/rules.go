package config

import "github.com/feedwatch/feedwatch/internal/rules"

// Rules reads the rules this configuration runs with and judges them
// against the feeds it configures (rules.Check): the one judge of rules
// for feedwatch check, start-up, a SIGHUP and every edit of the rules
// folder alike. (The file itself was judged by Load.)
func (c *Config) Rules() (*rules.Set, error) {
	feeds := make([]rules.Feed, len(c.Feeds))
	for i, f := range c.Feeds {
		feeds[i] = rules.Feed{Name: f.Name, Tags: f.Tags}
	}
	return rules.Check(c.RulesDir, feeds)
}
