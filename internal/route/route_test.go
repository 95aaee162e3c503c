package route

import (
	"strings"
	"testing"

	"github.com/feedwatch/feedwatch/internal/article"
)

func match(rule, channel, mention string, hits int, digest bool) article.Match {
	sn := article.Snippet{Text: rule}
	for range hits {
		sn.Hits = append(sn.Hits, article.Span{Start: 0, End: 1})
	}
	return article.Match{RuleID: strings.ToLower(rule), RuleName: rule, Channel: channel, Mention: mention, Digest: digest, Explain: article.Explanation{Snippet: sn}}
}

func TestAlerts(t *testing.T) {
	t.Parallel()
	a := &article.Article{Feed: "Wire", Title: "Leader killed", Link: "https://wire.example/1", Summary: strings.Repeat("é", 500)}
	matches := []article.Match{
		match("Leaders", "#leaders", "<!here>", 1, false),
		match("Anbar", "", "<!here>", 3, false),
		match("Iraq", "", "@analysts", 2, false),
		match("Daily", "", "", 5, true),
	}
	t.Run("each channel gets one alert naming its rules, mentions once, the snippet with most hits", func(t *testing.T) {
		t.Parallel()
		out := Alerts(a, matches, Table{Fallback: "#news", PerRule: true})
		if len(out) != 3 {
			t.Fatalf("%d messages, want #leaders, #news and the held digest match: %+v", len(out), out)
		}
		if out[0].Alert.Channel != "#leaders" || out[1].Alert.Channel != "#news" {
			t.Errorf("channels %q, %q, want name order", out[0].Alert.Channel, out[1].Alert.Channel)
		}
		news := out[1].Alert
		if strings.Join(news.Rules, ",") != "Anbar,Iraq" || strings.Join(news.Mentions, " ") != "<!here> @analysts" || news.Snippet.Text != "Anbar" {
			t.Errorf("#news alert = %+v", news)
		}
		if held := out[2]; held.HoldFor != "daily" || held.Alert.Channel != "#news" || held.Alert.Rules[0] != "Daily" {
			t.Errorf("held = %+v", held)
		}
		if n := len([]rune(news.Lead)); n != 400 {
			t.Errorf("lead has %d characters, want the first 400", n)
		}
	})
	t.Run("a transport without per-rule channels sends everything to the fallback", func(t *testing.T) {
		t.Parallel()
		out := Alerts(a, matches, Table{Fallback: "#news"})
		if len(out) != 2 || out[0].Alert.Channel != "#news" || len(out[0].Alert.Rules) != 3 {
			t.Errorf("got %+v, want one alert to #news naming three rules, and the held match", out)
		}
	})
	t.Run("no matches, no messages", func(t *testing.T) {
		t.Parallel()
		if out := Alerts(a, nil, Table{Fallback: "#news"}); len(out) != 0 {
			t.Errorf("got %+v", out)
		}
	})
}
