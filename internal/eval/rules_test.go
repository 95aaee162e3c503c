package eval

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedwatch/feedwatch/internal/rules"
)

// TestTheCoalitionRuleCatchesRealReporting runs the shipped
// coalition-anbar rule over the labelled newswire: it must match at least
// 80 % of the reports of coalition operations in Anbar and at most two of
// the reports of anything else.
func TestTheCoalitionRuleCatchesRealReporting(t *testing.T) {
	set, ok, err := Load("agnews-iraq-dev.json")
	if !ok {
		t.Skip("../shared/eval/agnews-iraq-dev.json is not here")
	}
	if err != nil {
		t.Fatal(err)
	}
	rs, err := rules.LoadDir(filepath.Join("..", "..", "rules"))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string][2]int{} // label → matched, total
	for _, it := range set.Items {
		a := it.Article()
		matched := false
		for _, m := range rs.Match(&a) {
			if m.RuleID == "coalition-anbar" {
				matched = true
			}
		}
		c := counts[it.Anbar]
		c[1]++
		if matched {
			c[0]++
			if it.Anbar == "no" {
				t.Logf("matched a report labelled no: %s | %.120s", it.Title, it.Text)
			}
		} else if it.Anbar == "yes" {
			t.Logf("missed: %s | %.120s", it.Title, it.Text)
		}
		counts[it.Anbar] = c
	}
	var b strings.Builder
	for _, l := range []string{"yes", "borderline", "no"} {
		b.WriteString(l + ": " + itoa(counts[l][0]) + " of " + itoa(counts[l][1]) + "; ")
	}
	t.Logf("coalition-anbar matched %s", b.String())
	if yes := counts["yes"]; yes[0]*10 < yes[1]*8 {
		t.Errorf("matched %d of %d reports of coalition operations in Anbar, want at least 80 %%", yes[0], yes[1])
	}
	if no := counts["no"]; no[0] > 2 {
		t.Errorf("matched %d reports of something else, want at most 2", no[0])
	}
}
