package rules

import (
	"fmt"
	"hash/maphash"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/feedwatch/feedwatch/internal/article"
)

// A small vocabulary, so that generated rules and articles meet often.
var genWords = strings.Fields(`iraq syria anbar ramadi fallujah haditha mosul coalition leader killed captured
raid strike airstrike operation forces islamic state caliph deputy emir commander army police border
market bomb drone turkish kurdish baghdad minister said officials attack`)

var genLists = map[string][]string{
	"places": {"Anbar", "Ramadi", "al-Qaim", "Hadith*"},
	"groups": {"Islamic State", "case:IS", "Daesh"},
}

// genQuery writes a random query of the whole language.
func genQuery(r *rand.Rand, depth int) string {
	w := func() string { return genWords[r.IntN(len(genWords))] }
	if depth <= 0 {
		switch r.IntN(12) {
		case 0:
			return `"` + w() + " " + w() + `"`
		case 1:
			return w()[:3] + "*"
		case 2:
			return "case:" + strings.ToUpper(w()[:1]) + w()[1:]
		case 3:
			return []string{"@places", "@groups"}[r.IntN(2)]
		case 4:
			return []string{"title:", "content:", "summary:"}[r.IntN(3)] + w()
		case 5:
			return "/" + w()[:2] + "[a-z]+/"
		case 6:
			return []string{"site:example.com", "tag:defense", `feed:"Wire A"`, "url:iraq"}[r.IntN(4)]
		default:
			return w()
		}
	}
	a, b := genQuery(r, depth-1), genQuery(r, depth-1)
	switch r.IntN(7) {
	case 0:
		return "(" + a + " OR " + b + ")"
	case 1:
		return a + " -" + w()
	case 2:
		return "(" + w() + " OR " + w() + ") NEAR/" + fmt.Sprint(1+r.IntN(6)) + " " + w()
	case 3:
		return w() + " ONEAR/3 (" + w() + " OR @places)"
	case 4:
		return "(" + a + " OR NOT " + b + ")"
	default:
		return a + " AND " + b
	}
}

func genArticle(r *rand.Rand) *article.Article {
	sentence := func(n int) string {
		ws := make([]string, n)
		for i := range ws {
			ws[i] = genWords[r.IntN(len(genWords))]
			if r.IntN(8) == 0 {
				ws[i] = strings.ToUpper(ws[i][:1]) + ws[i][1:]
			}
		}
		return strings.Join(ws, " ") + "."
	}
	hosts := []string{"https://news.example.com/iraq/1", "https://example.org/x", "https://wire.example/iraq"}
	return &article.Article{
		Feed: []string{"Wire A", "Wire B"}[r.IntN(2)], FeedTags: [][]string{{"defense"}, {"world"}}[r.IntN(2)],
		Title: sentence(6 + r.IntN(6)), Summary: sentence(10), Content: sentence(20) + " " + sentence(20) + " IS said.",
		Link: hosts[r.IntN(len(hosts))],
	}
}

func genSet(t testing.TB, r *rand.Rand, n int) *Set {
	s := &Set{Lists: genLists}
	for i := 0; len(s.Rules) < n; i++ {
		q := genQuery(r, r.IntN(3))
		rule, err := s.QueryRule(q)
		if err != nil {
			continue // e.g. a query with no positive term
		}
		rule.ID = fmt.Sprintf("r%05d", i)
		s.Rules = append(s.Rules, rule)
	}
	return s
}

// TestIndexedMatchingEqualsEvaluatingEveryRule is the differential test:
// on generated rules of the whole language and generated articles, the
// index must select every rule that matches, with the same explanation —
// below largeSet rules, where it reads an article's tokens as they come,
// and from it on, where it reads its distinct words.
func TestIndexedMatchingEqualsEvaluatingEveryRule(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct{ rules, articles int }{{1500, 150}, {largeSet, 6}} {
		set := genSet(t, r, c.rules)
		if len(set.index0().always) == len(set.Rules) {
			t.Fatal("no rule was indexed: the test would prove nothing")
		}
		matched := agreesWithEveryRule(t, set, r, c.articles)
		t.Logf("%d rules (%d always checked), %d matches over %d articles", len(set.Rules), len(set.index0().always), matched, c.articles)
	}
}

// TestIndexedMatchingHoldsWhenWordsShareAHash: the index looks words and
// wildcards' prefixes up by a 64-bit hash. With a hash most words share
// (a word's length), a rule's word and a word's prefix must still mark
// their keys, and an article's word other keys at worst: the index
// selects every rule that matches, as without it.
func TestIndexedMatchingHoldsWhenWordsShareAHash(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct{ rules, articles int }{{300, 60}, {largeSet, 4}} {
		set := genSet(t, r, c.rules)
		set.indexOnce.Do(func() { set.index = buildIndexHashing(set.Rules, func(w string) uint64 { return uint64(len(w)) }) })
		lengths := map[int]int{}
		for k := range set.index.ids {
			if k.kind == keyWord {
				lengths[len(k.s)]++
			}
		}
		if len(lengths) == len(set.index.ids) {
			t.Fatal("no two rule words share a hash: the test would prove nothing")
		}
		agreesWithEveryRule(t, set, r, c.articles)
	}
}

// agreesWithEveryRule matches n generated articles with set's index and
// by evaluating every rule, fails at the first difference, and returns
// how many matches there were (failing when there were none: nothing
// would be proved).
func agreesWithEveryRule(t *testing.T, set *Set, r *rand.Rand, n int) int {
	t.Helper()
	matched := 0
	for range n {
		a := genArticle(r)
		got, want := set.Match(a), set.MatchExhaustive(a)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%d rules: indexed and exhaustive matching differ on %+v:\n got %d matches\nwant %d", len(set.Rules), a, len(got), len(want))
		}
		matched += len(want)
	}
	if matched == 0 {
		t.Fatal("nothing matched: the test would prove nothing")
	}
	return matched
}

func (s *Set) index0() *index {
	s.indexOnce.Do(func() { s.index = buildIndex(s.Rules) })
	return s.index
}

// FuzzIndexedMatching checks the same on queries and articles the fuzzer
// makes up.
func FuzzIndexedMatching(f *testing.F) {
	f.Add(`leader AND (killed OR captured)`, "IS leader killed in Anbar", "The coalition said.")
	f.Add(`cali* NEAR/3 @places -football`, "Caliph seen near Haditha", "")
	f.Add(`(/ki[a-z]+/ OR NOT leader) site:example.com`, "x", "killed")
	f.Fuzz(func(t *testing.T, q, title, content string) {
		s := &Set{Lists: genLists}
		rule, err := s.QueryRule(q)
		if err != nil {
			return
		}
		s.Rules = []*Rule{rule}
		a := &article.Article{Title: title, Content: content, Link: "https://news.example.com/a", Feed: "Wire A", FeedTags: []string{"defense"}}
		if got, want := s.Match(a), s.MatchExhaustive(a); !reflect.DeepEqual(got, want) {
			t.Fatalf("query %q on %q / %q: indexed %d matches, exhaustive %d", q, title, content, len(got), len(want))
		}
	})
}

// TestPrefixIndexFindsEveryPrefixAWordStartsWith: the wildcards' prefixes
// are found by hashing a word's beginnings as the word is hashed, or, for
// a rule word read as a distinct word (marksHashed), from its record; on
// random prefixes and words over a small alphabet (so that they share
// beginnings, bytes of several characters included), rule words half the
// time, a word must mark exactly the prefixes it starts with, and the rule
// word it is, either way.
func TestPrefixIndexFindsEveryPrefixAWordStartsWith(t *testing.T) {
	letters := []string{"a", "b", "é", "ab", "\xff", "中"}
	rng := rand.New(rand.NewPCG(9, 10))
	word := func(min int) string {
		var b strings.Builder
		for b.Len() < min || rng.IntN(3) > 0 {
			b.WriteString(letters[rng.IntN(len(letters))])
		}
		return b.String()
	}
	for range 300 {
		p, prefixes, words, ruleWords := randomWordKeys(rng, word)
		var vocab []string
		var hashes []uint64
		vocabWant := map[int32]bool{}
		for range 50 {
			w := word(1)
			if len(ruleWords) > 0 && rng.IntN(2) == 0 { // a rule word: its prefixes come from its record
				w = ruleWords[rng.IntN(len(ruleWords))]
			}
			var want []int32
			for s, n := range prefixes {
				if strings.HasPrefix(w, s) {
					want = append(want, n)
				}
			}
			if n, ok := words[w]; ok {
				want = append(want, n)
			}
			slices.Sort(want)
			var got, gotHashed []int32
			p.marks(w, func(n int32) { got = append(got, n) }) // as each token, below largeSet
			p.marksHashed(w, maphash.String(wordSeed, w), func(n int32) { gotHashed = append(gotHashed, n) })
			slices.Sort(got)
			slices.Sort(gotHashed)
			if !slices.Equal(got, want) || !slices.Equal(gotHashed, want) {
				t.Fatalf("word %q among prefixes %q: marked %v (as a token), %v (as a distinct word), want %v", w, slices.Sorted(maps.Keys(prefixes)), got, gotHashed, want)
			}
			if slices.Contains(vocab, w) {
				continue
			}
			// An article's distinct words, marked together (marksVocab), the
			// same; sometimes under another rule word's hash, as a word whose
			// hash collides with it, which marks what marksHashed marks.
			h := maphash.String(wordSeed, w)
			if len(ruleWords) > 0 && rng.IntN(8) == 0 {
				h = maphash.String(wordSeed, ruleWords[rng.IntN(len(ruleWords))])
				p.marksHashed(w, h, func(n int32) { vocabWant[n] = true })
			} else {
				for _, n := range want {
					vocabWant[n] = true
				}
			}
			vocab, hashes = append(vocab, w), append(hashes, h)
		}
		gotVocab := map[int32]bool{}
		p.marksVocab(vocab, hashes, func(n int32) { gotVocab[n] = true }, nil)
		if !maps.Equal(gotVocab, vocabWant) {
			t.Fatalf("words %q among prefixes %q, marked together: %v, want %v", vocab, slices.Sorted(maps.Keys(prefixes)), slices.Sorted(maps.Keys(gotVocab)), slices.Sorted(maps.Keys(vocabWant)))
		}
	}
}

// randomWordKeys is a table of up to 40 prefixes and 10 rule words made
// by word, and the key numbers it gave them.
func randomWordKeys(rng *rand.Rand, word func(min int) string) (p *wordKeys, prefixes, words map[string]int32, ruleWords []string) {
	p = newWordKeys(nil)
	prefixes, words = map[string]int32{}, map[string]int32{}
	for range 1 + rng.IntN(40) {
		s := word(3)
		if _, ok := prefixes[s]; !ok && utf8.RuneCountInString(s) >= 3 {
			prefixes[s] = int32(len(prefixes))
			p.addPrefix(s, prefixes[s])
		}
	}
	for range rng.IntN(10) {
		if s := word(1); words[s] == 0 {
			words[s] = 1000 + int32(len(words)) // apart from the prefixes' numbers
			p.addWord(s, words[s])
			ruleWords = append(ruleWords, s)
		}
	}
	p.seal()
	return p, prefixes, words, ruleWords
}

// TestPrefixesSpreadOverTheirTable: prefixes that differ only in their
// last bytes, as the beginnings of words made of a few syllables do, must
// not crowd into one run of the prefixes' table, where each look-up would
// read the run: 13,000 of them (as at 100,000 rules) are found, each at
// 1.3 slots on average at most, where a place taken from FNV's upper bits
// alone had read 5.
func TestPrefixesSpreadOverTheirTable(t *testing.T) {
	syll := strings.Fields("ka ri mo ta sen dor al bu qi fa le hu ni za ro ve mi da su ke lo pa gi ne tu ba")
	rng := rand.New(rand.NewPCG(3, 4))
	k, seen := newWordKeys(nil), map[string]bool{}
	for len(seen) < 13000 {
		var b strings.Builder
		for range 2 + rng.IntN(3) {
			b.WriteString(syll[rng.IntN(len(syll))])
		}
		if s := b.String(); len(s) > 3 && !seen[s[:len(s)-1]] {
			seen[s[:len(s)-1]] = true
			k.addPrefix(s[:len(s)-1], int32(len(seen)))
		}
	}
	k.seal()
	tab, read := k.prefixes, 0
	for s := range seen {
		h := k.hash(asPrefix, s)
		j := h >> tab.shift
		for read++; tab.slots[j].tag != uint32(h)|1; j = (j + 1) & tab.mask {
			read++
		}
	}
	if avg := float64(read) / float64(len(seen)); avg > 1.3 {
		t.Errorf("finding each of %d prefixes reads %.2f slots on average, want at most 1.3", len(seen), avg)
	}
}

// TestADocumentTellsWordsOfOneHashApart: a document's table finds a word
// by its hash and tells words of one hash apart by their text. With a
// hash many words share (their length), every word must be found as
// itself, and a word never added must not be found.
func TestADocumentTellsWordsOfOneHashApart(t *testing.T) {
	var tab wordTable
	var vocab []string
	weak := func(w string) uint64 { return uint64(len(w)) << 60 }
	words := strings.Fields("al qaim anbar ramadi caliph deputy emir iraq syria mosul haditha killed leader raid army")
	tab.reset(len(words))
	for _, w := range words {
		ci, free := tab.find(weak(w), w, vocab)
		if ci >= 0 {
			t.Fatalf("%q found before it was added, as %q", w, vocab[ci])
		}
		tab.slots[free] = hashSlot{tag: uint32(weak(w)) | 1, n: int32(len(vocab))}
		vocab = append(vocab, w)
	}
	for i, w := range words {
		if ci, _ := tab.find(weak(w), w, vocab); ci != int32(i) {
			t.Errorf("%q found as %d, want %d", w, ci, i)
		}
	}
	for _, w := range []string{"isis", "basra", "tikrit"} {
		if ci, _ := tab.find(weak(w), w, vocab); ci >= 0 {
			t.Errorf("%q never added, found as %q", w, vocab[ci])
		}
	}
}

// TestADocumentFindsEveryWordAPrefixStarts: a document finds the words a
// wildcard's prefix starts among those of its first byte; on random
// texts over a small alphabet (characters of several bytes, capitals)
// and random prefixes, it must find exactly the distinct words that
// start with the prefix, prefix after prefix on one document.
func TestADocumentFindsEveryWordAPrefixStarts(t *testing.T) {
	letters := []string{"a", "b", "é", "É", "中", "z", "0"}
	rng := rand.New(rand.NewPCG(13, 14))
	word := func() string {
		var b strings.Builder
		for b.Len() == 0 || rng.IntN(3) > 0 {
			b.WriteString(letters[rng.IntN(len(letters))])
		}
		return b.String()
	}
	for range 300 {
		var text []string
		for range rng.IntN(60) {
			text = append(text, word())
		}
		d := NewDocument(&article.Article{Title: word(), Content: strings.Join(text, " ")})
		for range 10 {
			p := strings.ToLower(word())
			d.index()
			var want []string
			for _, w := range d.vocab {
				if strings.HasPrefix(w, p) {
					want = append(want, w)
				}
			}
			got := slices.Clone(d.withPrefix(p))
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("prefix %q in %q: %q, want %q", p, d.vocab, got, want)
			}
		}
	}
}
