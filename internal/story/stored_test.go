package story

import (
	"fmt"
	"testing"
	"time"

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
	if Similarity(a, b) != Similarity(back, b) || placesApart(a, b) != placesApart(back, b) {
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
		al := article.Alert{Channel: "#a", Feed: fmt.Sprintf("Outlet %d", id), Title: title, Lead: lead}
		return article.Delivery{ID: id, SlackTS: ts, Message: al, Story: OfAlert(al).Encode()}
	}
	report := rec(9, "", "ISIS chief killed in Anbar raid near Ramadi", "The leader of Islamic State was killed near Ramadi in Anbar.")
	heads := []article.Delivery{ // newest first, as the store lists them
		rec(3, "ts-3", "ISIS chief killed in Anbar raid", "The leader of Islamic State was killed in Anbar, officials said."),
		rec(2, "ts-2", "Islamic State leader killed in Anbar raid near Ramadi", "The leader of Islamic State was killed in a raid near Ramadi in Anbar."),
		rec(1, "", report.Message.(article.Alert).Title, report.Message.(article.Alert).Lead), // the same words: most similar, but no ts
	}
	if Similarity(Recorded(report), Recorded(heads[0])) < Threshold {
		t.Fatal("the newest post must be the same story too, or this test proves nothing about picking the most similar")
	}
	if h := Head(report, heads, nil, true); h == nil || h.ID != 2 {
		t.Errorf("head = %+v, want the most similar post with a ts (2), not the newest (3) nor one without a ts (1)", h)
	}
	if h := Head(report, heads, nil, false); h == nil || h.ID != 1 {
		t.Errorf("for a merge any post will do: head = %+v, want the identical one (1)", h)
	}
	if h := Head(article.Delivery{ID: 5, Message: article.Notice{Channel: "#a"}}, heads, nil, true); h != nil {
		t.Errorf("a notice has no story, got head %+v", h)
	}
	legacy := article.Delivery{ID: 7, Message: report.Message} // recorded before fingerprints
	if h := Head(legacy, heads, nil, true); h == nil || h.ID != 2 {
		t.Errorf("a delivery without a stored fingerprint: head = %+v, want 2", h)
	}
}

func TestTwoItemsOfOneFeedAreTwoStoriesUnlessTheirLinksAgree(t *testing.T) {
	t.Parallel()
	rec := func(id int64, link string) article.Delivery {
		al := article.Alert{Channel: "#a", Feed: "gulp releases", Title: "gulp v3.8.1" + fmt.Sprint(id) + " released", Lead: "Bug fixes and improvements.", Link: link}
		return article.Delivery{ID: id, SlackTS: "ts", Message: al, Story: OfAlert(al).Encode()}
	}
	earlier := []article.Delivery{rec(1, "https://github.example/gulp/v3.8.11")}
	if h := Head(rec(2, "https://github.example/gulp/v3.8.12"), earlier, nil, true); h != nil {
		t.Errorf("the next release of one feed was threaded under the previous one")
	}
	if h := Head(rec(3, "https://github.example/gulp/v3.8.11?utm_source=rss"), earlier, nil, true); h == nil {
		t.Errorf("the same link of one feed must be the same story")
	}
}

func TestReportsNamingDifferentTownsOrDaysApartAreDifferentStories(t *testing.T) {
	t.Parallel()
	now := time.Date(2004, 9, 6, 12, 0, 0, 0, time.UTC)
	rec := func(id int64, feed, title string, published time.Time) article.Delivery {
		al := article.Alert{Channel: "#a", Feed: feed, Title: title, Lead: title + ", police said.", Published: published}
		return article.Delivery{ID: id, SlackTS: "ts", Message: al, Story: OfAlert(al).Encode()}
	}
	mosul := []article.Delivery{rec(1, "Wire", "Car bomb kills three in Mosul", now)}
	if h := Head(rec(2, "Herald", "Car bomb kills three in Samarra", now.Add(time.Hour)), mosul, nil, true); h != nil {
		t.Error("a car bomb in Samarra was threaded under one in Mosul")
	}
	if h := Head(rec(3, "Herald", "Car bomb kills three in Mosul", now.Add(time.Hour)), mosul, nil, true); h == nil {
		t.Error("the same report an hour later must be the same story")
	}
	if h := Head(rec(4, "Herald", "Car bomb kills three in Mosul", now.Add(50*time.Hour)), mosul, nil, true); h != nil {
		t.Error("a report 50 hours later was threaded under the first")
	}
}
