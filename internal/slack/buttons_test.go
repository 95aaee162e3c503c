package slack

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
	"github.com/feedwatch/feedwatch/internal/fakeslack"
)

var (
	clickedAt = time.Date(2025, 3, 15, 10, 0, 0, 0, time.UTC)
	marks     = article.Marks{
		Silences: []article.Silence{
			{ID: 4, Story: 17, Origin: 17, Starts: clickedAt, Ends: clickedAt.Add(24 * time.Hour), By: "UANALYST1"},
			{ID: 5, Rule: "is-leadership", Origin: 17, Starts: clickedAt, Ends: clickedAt.Add(8 * time.Hour), By: "UANALYST2", ExpiredBy: "UANALYST1"},
		},
		Feedback: []article.Feedback{{ID: 2, Rule: "coalition-anbar", Delivery: 17, Verdict: article.VerdictNotRelevant, User: "UANALYST2"}},
	}
	withIDs = func() article.Alert { a := alert; a.RuleIDs = []string{"coalition-anbar", "is-leadership"}; return a }()
)

// encode is a message as its golden file holds it.
func encode(t *testing.T, msg Message) string {
	t.Helper()
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string]any{"text": msg.Text, "blocks": msg.Blocks}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestButtonsOnEveryMessageAnalystsCanAnswer: the alert as posted, the
// alert after clicks (who did what until when, undo for what still
// holds), and a digest, each as a golden file.
func TestButtonsOnEveryMessageAnalystsCanAnswer(t *testing.T) {
	for name, msg := range map[string]Message{
		"alert-buttons": RenderInteractive(withIDs, article.Marks{}, clickedAt),
		"alert-marked":  RenderInteractive(withIDs, marks, clickedAt.Add(time.Hour)),
		"digest-buttons": RenderInteractive(article.Digest{Channel: "#iraq-watch", Rule: "Anbar daily", RuleIDs: []string{"anbar-daily"}, Names: []string{"Anbar daily"},
			Items: []article.DigestItem{{Feed: "Wire", Title: "Second report", Link: "https://wire.example/2"}}}, article.Marks{}, clickedAt),
	} {
		got := encode(t, msg)
		golden(t, name+".golden.json", []byte(got))
		if why := fakeslack.BlockLimits(string(mustJSON(t, msg.Blocks))); why != "" {
			t.Errorf("%s breaks a Block Kit limit: %s", name, why)
		}
	}
	notice := RenderInteractive(article.Notice{Channel: "#ops", Event: article.FeedRecovered, Feed: "Wire"}, marks, clickedAt)
	if strings.Contains(encode(t, notice), "fw_") {
		t.Error("a notice has nothing to answer: no buttons")
	}
}

// TestTheLargestMessagesWithButtonsStayWithinSlacksLimits: a digest of
// 200 articles for 30 rules, an alert of 30 rules with long names and
// twenty marks, a flood summary — all within Block Kit's limits.
func TestTheLargestMessagesWithButtonsStayWithinSlacksLimits(t *testing.T) {
	var ids, names []string
	var many article.Marks
	for i := range 30 {
		ids, names = append(ids, fmt.Sprintf("rule-%02d", i)), append(names, strings.Repeat("Very long rule name ", 5)+fmt.Sprint(i))
		many.Silences = append(many.Silences, article.Silence{ID: int64(i), Rule: ids[i], Starts: clickedAt, Ends: clickedAt.Add(time.Hour), By: "U1"})
		many.Feedback = append(many.Feedback, article.Feedback{ID: int64(i), Rule: ids[i], User: "U2"})
	}
	big := withIDs
	big.Rules, big.RuleIDs = names, ids
	var items []article.DigestItem
	for i := range 200 {
		items = append(items, article.DigestItem{Feed: "Wire", Title: fmt.Sprintf("Report %d", i), Link: "https://wire.example/r"})
	}
	for name, m := range map[string]article.Message{
		"alert":  big,
		"reply":  article.Reply{Alert: big, ThreadTS: "1.2"},
		"digest": article.Digest{Channel: "#c", Rule: "Daily", RuleIDs: ids, Names: names, Items: items},
		"flood":  article.Digest{Channel: "#c", Rule: strings.Join(names, ", "), RuleIDs: ids, Names: names, Items: items, Flood: true, Span: 600},
	} {
		msg := RenderInteractive(m, many, clickedAt)
		if why := fakeslack.BlockLimits(string(mustJSON(t, msg.Blocks))); why != "" {
			t.Errorf("%s breaks a Block Kit limit: %s", name, why)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
