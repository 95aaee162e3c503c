package diag

import "testing"

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
