package story

import (
	"testing"
)

type report struct{ title, lead string }

var (
	leaderKilledA = report{"Iraq says Islamic State's top leader killed in Anbar operation backed by U.S.-led coalition",
		"The head of the Islamic State in Iraq and Syria, Abdallah Maki Mosleh al-Rifai, was killed in an operation by Iraqi forces, supported by the U.S.-led coalition."}
	leaderKilledB = report{"Iraqi PM says ISIS chief Abu Khadija killed in joint operation with US coalition",
		"Iraqi Prime Minister Mohammed Shia al-Sudani said Abdallah Maki Mosleh al-Rifai, known as Abu Khadija, was killed in Anbar province in an operation with the U.S.-led coalition."}
	sadrCityA = report{"Car bomb kills 12 at market in Baghdad's Sadr City",
		"A car bomb exploded at a crowded market in Sadr City on Tuesday, killing at least 12 people, police said."}
	sadrCityB = report{"At least 12 dead as car bomb hits Sadr City market",
		"At least 12 people were killed when a car bomb went off in a busy market in Baghdad's Sadr City district, security sources said."}
	sinjarA = report{"Turkish drone strike kills PKK commander in Sinjar",
		"A Turkish drone strike killed a senior PKK commander in Iraq's Sinjar district on Sunday, local officials said."}
	sinjarB = report{"PKK commander killed in Turkish drone attack in northern Iraq's Sinjar",
		"A senior commander of the Kurdistan Workers' Party was killed on Sunday in a Turkish drone strike in Sinjar, Kurdish officials said."}
	haditha = report{"Daesh emir captured near Haditha, Iraqi army says",
		"Iraqi counter-terrorism forces captured a Daesh emir in a raid near Haditha in western Anbar on Wednesday."}
	hadithaB = report{"Iraqi forces arrest senior Islamic State figure in Anbar's Haditha",
		"A senior Islamic State emir was captured by counter-terrorism forces near the town of Haditha in Anbar province, the army said on Wednesday."}

	deirEzZor = report{"Islamic State claims deadly attack on army post in Syria's Deir ez-Zor",
		"The Islamic State group claimed responsibility for an attack that killed five soldiers at an army post in Deir ez-Zor province."}
	kirkuk = report{"Car bomb kills 4 near checkpoint in Kirkuk",
		"A car bomb exploded near a checkpoint in Kirkuk, killing four members of the security forces, police said."}
	germany = report{"German coalition talks collapse over budget",
		"Talks between the parties of Germany's governing coalition collapsed on Thursday over next year's budget."}
	anbarStrikes = report{"US-led coalition strikes IS hideouts in Anbar desert",
		"Aircraft of the U.S.-led coalition struck Islamic State hideouts in the Anbar desert overnight, the coalition said."}
	duhok = report{"Turkish drone strike kills two PKK fighters near Duhok",
		"A Turkish drone strike killed two PKK fighters in a village near Duhok on Monday, the Kurdistan Region's counter-terrorism service said."}
)

func fp(r report) Fingerprint { return Of(r.title, r.lead, "") }

func TestSameStoryFromTwoOutlets(t *testing.T) {
	for _, pair := range [][2]report{{leaderKilledA, leaderKilledB}, {sadrCityA, sadrCityB}, {sinjarA, sinjarB}, {haditha, hadithaB}} {
		s := Similarity(fp(pair[0]), fp(pair[1]))
		if !sameStory(pair[0], pair[1]) {
			t.Errorf("similarity %.2f < %.2f for one story:\n  %s\n  %s", s, Threshold, pair[0].title, pair[1].title)
		}
		if Similarity(fp(pair[1]), fp(pair[0])) != s {
			t.Error("similarity is not symmetric")
		}
	}
}

func TestDifferentStoriesOnTheSameTopicStayApart(t *testing.T) {
	// Left out, a known limit (docs/stories.md): the leader's killing "in
	// an Anbar operation backed by the coalition" and "coalition strikes IS
	// hideouts in Anbar", an hour apart, share every topical word and no
	// specific one; Head joins them (0.21 against 0.12).
	for _, pair := range [][2]report{
		{leaderKilledA, deirEzZor}, {sadrCityA, kirkuk}, {germany, anbarStrikes}, {sinjarA, duhok},
		{haditha, leaderKilledB},
	} {
		if s := Similarity(fp(pair[0]), fp(pair[1])); sameStory(pair[0], pair[1]) {
			t.Errorf("plain similarity %.2f (threshold %.2f); Head joined different stories:\n  %s\n  %s", s, Threshold, pair[0].title, pair[1].title)
		}
	}
}

func TestHeadlinesNamingDifferentPlacesAreDifferentEvents(t *testing.T) {
	a := report{"Turkish drone strike kills PKK commander in Sinjar", "A Turkish drone strike killed a senior PKK commander on Sunday, officials said."}
	b := report{"Turkish drone strike kills PKK commander in Duhok", "A Turkish drone strike killed a senior PKK commander on Sunday, officials said."}
	if s := Similarity(fp(a), fp(b)); s < Threshold {
		t.Fatalf("similarity %.2f: this test needs a pair above the threshold", s)
	}
	if sameStory(a, b) {
		t.Error("Sinjar and Duhok are two events, however alike the wording")
	}
	c := report{"Turkish drone strike kills PKK commander", "A Turkish drone strike killed a senior PKK commander in Sinjar on Sunday."}
	if !sameStory(a, c) {
		t.Error("a report that does not name the place is not a conflict")
	}
}

func TestTitleCaseHeadlinesTakeTheirSpecificsFromTheLead(t *testing.T) {
	a := report{"Car Bomb Kills 12 At Market In Baghdad's Sadr City", "A car bomb exploded at a crowded market in Sadr City on Tuesday, killing at least 12 people."}
	b := report{"At least 12 dead as car bomb hits Sadr City market", "At least 12 people were killed when a car bomb went off in a busy market in Baghdad's Sadr City district."}
	if !sameStory(a, b) {
		t.Errorf("a Title Case headline should not make every word a name (similarity %.2f)", Similarity(fp(a), fp(b)))
	}
}

func TestTheSameCanonicalLinkIsTheSameStoryWhenTheReportsAgree(t *testing.T) {
	updated := report{"Iraq: Islamic State leader killed, PM confirms", "The prime minister confirmed the Islamic State leader was killed."}
	if headOf(leaderKilledA, updated, "https://wire.example/iraq/1?utm_source=x", "https://wire.example/iraq/1") == nil {
		t.Error("two reports at one article link that agree should be one story")
	}
	filler := report{"Subscribe to our newsletter", "Get the day's news in your inbox."}
	if headOf(filler, leaderKilledB, "https://wire.example/real/1?utm_source=x", "https://wire.example/real/1") != nil {
		t.Error("a filler item sharing a later item's link made them one story")
	}
	if headOf(leaderKilledA, sadrCityA, "https://wire.example/", "https://wire.example/") != nil {
		t.Error("two stories linked to the site's home page were made one: a home page is no article's own link")
	}
	if headOf(report{}, report{}, "", "") != nil {
		t.Error("two empty articles are not a story")
	}
}

func TestStem(t *testing.T) {
	for in, want := range map[string]string{"killed": "kill", "kills": "kill", "killing": "kill", "strikes": "strik", "strike": "strik", "captured": "captur", "capture": "captur", "militias": "militia", "casualties": "casualty", "12": "12", "isis": "isis", "iraqi": "iraq"} {
		if got := Stem(in); got != want {
			t.Errorf("Stem(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTheThresholdSeparatesTheTuningPairs checks what Threshold was
// chosen from: every pair that is one story scores above it, every pair of
// different events below it (go test -v shows the scores).
func TestTheThresholdSeparatesTheTuningPairs(t *testing.T) {
	same := [][2]report{{leaderKilledA, leaderKilledB}, {sadrCityA, sadrCityB}, {sinjarA, sinjarB}, {haditha, hadithaB}}
	different := [][2]report{{leaderKilledA, deirEzZor}, {sadrCityA, kirkuk}, {germany, anbarStrikes}, {sinjarA, duhok},
		{leaderKilledA, anbarStrikes}, {haditha, leaderKilledB}, {sinjarB, duhok}, {sadrCityB, kirkuk}}
	for _, p := range same {
		s := Similarity(fp(p[0]), fp(p[1]))
		t.Logf("same      %.2f  %.40s | %.40s", s, p[0].title, p[1].title)
		if s < Threshold {
			t.Errorf("one story scores %.2f, below the threshold %.2f", s, Threshold)
		}
	}
	for _, p := range different {
		s := Similarity(fp(p[0]), fp(p[1]))
		t.Logf("different %.2f  %.40s | %.40s", s, p[0].title, p[1].title)
		if s >= Threshold {
			t.Errorf("two events score %.2f, at or above the threshold %.2f", s, Threshold)
		}
	}
}
