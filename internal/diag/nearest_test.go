package diag

import (
	"strings"
	"testing"
)

func TestNearestNamesWhatAMistypedWordMeant(t *testing.T) {
	keys := []string{"name", "query", "channel", "feeds", "digest", "mention", "enabled", "tests", "description"}
	for word, want := range map[string]string{
		"chanel": "channel", "feed": "feeds", "qurey": "query", "Channel": "channel", "fedes": "feeds",
		"descripton": "description", "xyz": "", "q": "", "enable": "enabled",
	} {
		if got := Nearest(word, keys); got != want {
			t.Errorf("Nearest(%q) = %q, want %q", word, got, want)
		}
	}
	if got := Nearest("chek", []string{"check", "config", "status"}); got != "check" {
		t.Errorf("Nearest(chek) = %q", got)
	}
}

func TestABadIndentIsPlacedAndExplained(t *testing.T) {
	var v struct {
		Name  string   `yaml:"name"`
		Feeds []string `yaml:"feeds"`
	}
	for doc, want := range map[string]string{
		"name: X\n feeds: [Demo]\n":   "r.yaml:2:2: mapping values are not allowed in this context (check the indentation: this line is indented 1 spaces, the line above 0",
		"name: X\nfeeds:\n\t- Demo\n": "r.yaml:3:2: found character that cannot start any token (this line is indented with a tab: YAML needs spaces)",
	} {
		_, err := DecodeStrict("r.yaml", []byte(doc), &v)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", doc, err, want)
		}
	}
}
