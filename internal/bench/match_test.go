package bench

import (
	"fmt"
	"testing"
)

var ruleCounts = []int{1000, 10000, 100000}

// BenchmarkMatch measures the indexed matcher per article (ns/op is one
// article), at 1k, 10k and 100k rules.
func BenchmarkMatch(b *testing.B) {
	for _, n := range ruleCounts {
		b.Run(fmt.Sprintf("rules=%d", n), MatchBench(n, false))
	}
}

// BenchmarkMatchNaive measures the naive way side by side at 10k rules:
// every rule evaluated (the same evaluator, no index) and one compiled
// regular expression per rule.
func BenchmarkMatchNaive(b *testing.B) {
	b.Run("evaluate-every-rule/rules=10000", MatchBench(10000, true))
	b.Run("regexp-per-rule/rules=10000", RegexpBench(10000))
}
