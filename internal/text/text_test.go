package text

import (
	"strings"
	"testing"
)

func TestTokenizeFollowsTheWordRules(t *testing.T) {
	cases := []struct {
		text string
		want string
	}{
		{"U.S.-led coalition", "u s led coalition"},
		{"Islamic State’s leader", "islamic state leader"},
		{"Rifa'i and al-Rifaï", "rifai and al rifai"},
		{"O'sullivan's", "osullivan"},
		{"Straße", "strasse"},
		{"ISIS, 2025", "isis 2025"},
		{"الإسلاميّة", "الاسلاميه"},
		{"مصطفى", "مصطفي"},
		{"", ""},
	}
	for _, c := range cases {
		var got []string
		for _, tk := range Tokenize(c.text) {
			got = append(got, tk.Norm)
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("Tokenize(%q) = %q, want %q", c.text, strings.Join(got, " "), c.want)
		}
	}
}
