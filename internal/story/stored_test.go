package story

import (
	"testing"

	"github.com/feedwatch/feedwatch/internal/article"
)

func TestAStoredFingerprintComparesLikeTheOriginal(t *testing.T) {
	t.Parallel()
	a := OfAlert(article.Alert{Title: "Islamic State leader killed in Anbar raid", Lead: "Iraqi forces killed the group's leader near Ramadi.", Link: "https://a.example/1?utm_source=x"})
	b := OfAlert(article.Alert{Title: "ISIS chief slain in Anbar operation", Lead: "The leader of ISIS died in a raid near Ramadi, officials said."})
	back, err := Decode(a.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if Similarity(a, b) != Similarity(back, b) || Same(a, b) != Same(back, b) {
		t.Errorf("decoded fingerprint compares differently: %.3f vs %.3f", Similarity(back, b), Similarity(a, b))
	}
	if back.link != "https://a.example/1" {
		t.Errorf("link = %q, want the canonical link", back.link)
	}
	if _, err := Decode([]byte("{not json")); err == nil {
		t.Error("a corrupt fingerprint must be an error")
	}
}

func TestHeadPicksTheMostSimilarEarlierPostThatCanTakeAReply(t *testing.T) {
	t.Parallel()
	rec := func(id int64, ts, title, lead string) article.Delivery {
		al := article.Alert{Channel: "#a", Title: title, Lead: lead}
		return article.Delivery{ID: id, SlackTS: ts, Message: al, Story: OfAlert(al).Encode()}
	}
	report := rec(9, "", "ISIS chief killed in Anbar raid near Ramadi", "The leader of Islamic State was killed near Ramadi in Anbar.")
	heads := []article.Delivery{ // newest first, as the store lists them
		rec(3, "ts-3", "ISIS chief killed in Anbar raid", "The leader of Islamic State was killed in Anbar, officials said."),
		rec(2, "ts-2", "Islamic State leader killed in Anbar raid near Ramadi", "The leader of Islamic State was killed in a raid near Ramadi in Anbar."),
		rec(1, "", report.Message.(article.Alert).Title, report.Message.(article.Alert).Lead), // the same words: most similar, but no ts
	}
	if !Same(Recorded(report), Recorded(heads[0])) {
		t.Fatal("the newest post must be the same story too, or this test proves nothing about picking the most similar")
	}
	if h := Head(report, heads, true); h == nil || h.ID != 2 {
		t.Errorf("head = %+v, want the most similar post with a ts (2), not the newest (3) nor one without a ts (1)", h)
	}
	if h := Head(report, heads, false); h == nil || h.ID != 1 {
		t.Errorf("for a merge any post will do: head = %+v, want the identical one (1)", h)
	}
	if h := Head(article.Delivery{ID: 5, Message: article.Notice{Channel: "#a"}}, heads, true); h != nil {
		t.Errorf("a notice has no story, got head %+v", h)
	}
	legacy := article.Delivery{ID: 7, Message: report.Message} // recorded before fingerprints
	if h := Head(legacy, heads, true); h == nil || h.ID != 2 {
		t.Errorf("a delivery without a stored fingerprint: head = %+v, want 2", h)
	}
}
