package story

import (
	"fmt"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/article"
)

// background is a day of other newswire, as a running daemon's word
// statistics hold it: many reports share "Iraq", "Baghdad", "killed" or
// "forces"; few name "Najaf" or "Khadija".
var background = []report{
	{"Iraqi forces clash with militants north of Baghdad", "Iraqi security forces clashed with militants north of Baghdad on Monday, police said."},
	{"Two soldiers killed by roadside bomb in Diyala", "A roadside bomb killed two Iraqi soldiers in Diyala province, officials said."},
	{"Baghdad council approves new budget", "The Baghdad provincial council approved its budget for next year on Sunday."},
	{"Oil exports from Basra rise in November", "Iraq's oil exports from Basra rose last month, the oil ministry said."},
	{"Gunmen kill shop owner in Baghdad", "Gunmen killed a shop owner in eastern Baghdad on Tuesday, police said."},
	{"Kurdish leaders meet in Erbil over elections", "Kurdish leaders met in Erbil to discuss the date of regional elections."},
	{"Iraqi army says it killed militants in Salahuddin", "The Iraqi army said its forces killed five militants in Salahuddin province."},
	{"Protesters gather in Nasiriyah over power cuts", "Hundreds protested in Nasiriyah over power cuts and unemployment, witnesses said."},
	{"US envoy meets Iraqi prime minister in Baghdad", "The U.S. envoy met the Iraqi prime minister in Baghdad to discuss security."},
	{"Bomb kills three at Mosul checkpoint", "A bomb exploded at a checkpoint in Mosul, killing three members of the security forces."},
	{"Iraq wheat harvest expected to fall", "Iraq's wheat harvest is expected to fall this year after a dry winter, officials said."},
	{"Security forces arrest suspects in Kirkuk bombing", "Security forces arrested four suspects over a bombing in Kirkuk last week."},
	{"Parliament delays vote on electoral law", "Iraq's parliament delayed a vote on the electoral law until next week."},
	{"Police find bodies in Baghdad outskirts", "Police found the bodies of four men on the outskirts of Baghdad, officials said."},
	{"Turkey says it hit PKK targets in northern Iraq", "Turkish warplanes struck PKK targets in northern Iraq, the Turkish military said."},
	{"Iraqi officials say curfew lifted in Samarra", "Officials lifted a curfew in Samarra after a week of calm, police said."},
	{"Militants attack army post near Tikrit", "Militants attacked an army post near Tikrit overnight, killing two soldiers."},
	{"Iraq signs power deal with Jordan", "Iraq signed an electricity deal with Jordan on Thursday, the ministry said."},
	{"Coalition aircraft strike targets in Syria", "Coalition aircraft struck targets in eastern Syria, the coalition said."},
	{"Iraqi forces free hostages in Baghdad raid", "Iraqi forces freed three hostages in a raid in Baghdad, the interior ministry said."},
	{"Militia leader killed in Basra shooting", "A militia leader was killed in a shooting in Basra, security sources said."},
	{"UN calls for calm in Iraq after clashes", "The United Nations called for calm after clashes between rival groups in Iraq."},
	{"Islamic State fighters attack village in Anbar", "Islamic State fighters attacked a village in Anbar province, killing four, officials said."},
	{"Coalition says it killed Islamic State commander in Syria", "The U.S.-led coalition said a strike killed an Islamic State commander in eastern Syria."},
	{"Iraqi forces launch operation against Islamic State in Anbar desert", "Iraqi forces backed by coalition aircraft launched an operation in the Anbar desert."},
	{"Islamic State claims bombing in Baghdad market", "The Islamic State group claimed a bombing that killed six at a Baghdad market."},
	{"Coalition strikes hit Islamic State hideouts near Qaim", "Coalition aircraft struck Islamic State hideouts near al-Qaim in western Anbar."},
	{"Islamic State leader in Kirkuk arrested, police say", "Police in Kirkuk arrested a local Islamic State leader, officials said."},
}

// sameStory asks Head, as the outbox asks it, whether b continues a's
// post: two outlets, an hour apart, with the word statistics of a day of
// news and both reports.
func sameStory(a, b report) bool {
	return headOf(a, b, "", "") != nil
}

func headOf(a, b report, linkA, linkB string) *article.Delivery {
	c := NewCorpus()
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for i, r := range append(append([]report(nil), background...), a, b) {
		c.Add(fmt.Sprint(i), at, fp(r))
	}
	rec := func(id int64, feed string, r report, link string, published time.Time) article.Delivery {
		al := article.Alert{Channel: "#iraq", Feed: feed, Title: r.title, Lead: r.lead, Link: link, Published: published}
		return article.Delivery{ID: id, SlackTS: fmt.Sprint(id), Message: al, Story: OfAlert(al).Encode()}
	}
	head := rec(1, "Outlet A", a, linkA, at)
	return Head(rec(2, "Outlet B", b, linkB, at.Add(time.Hour)), []article.Delivery{head}, c, true)
}

func TestHeadWeighsWordsByTheirRarityInTheNews(t *testing.T) {
	c := NewCorpus()
	for i, r := range background {
		c.Add(fmt.Sprint(i), time.Now(), fp(r))
	}
	if c.Docs() < MinCorpus {
		t.Fatalf("%d background reports: too few for the statistics to be used", c.Docs())
	}
	if rare, common := c.idf("khadija"), c.idf("baghdad"); rare <= common {
		t.Errorf("idf(khadija) = %.2f ≤ idf(baghdad) = %.2f: a word the news rarely uses must weigh more", rare, common)
	}
	if headOf(leaderKilledA, leaderKilledB, "", "") == nil {
		t.Error("two outlets' reports of Abu Khadija's killing were not threaded")
	}
	if h := headOf(germany, anbarStrikes, "", ""); h != nil {
		t.Error("coalition strikes in Anbar were threaded under German coalition talks")
	}
}
