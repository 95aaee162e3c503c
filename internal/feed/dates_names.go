package feed

import "strings"

// monthNames maps month names and abbreviations, lower case and without a
// trailing dot, in the languages ParseDate reads.
var monthNames = names(map[int]string{
	1:  "jan january janeiro enero ene janvier janv januar jänner gennaio gen januari ιαν január",
	2:  "feb february fevereiro fev febrero février fevrier févr fevr februar febbraio februari φεβ február",
	3:  "mar march março marco marzo mars märz mär maerz mrz maart mrt μάρ μαρ μάώ március",
	4:  "apr april abril abr avril avr aprile απρ április",
	5:  "may maio mai mayo maggio mag mei μάι μαΐ μαι május",
	6:  "jun june junho junio juin juni giugno giu ιούν ιον június",
	7:  "jul july julho julio juillet juil juli luglio lug ιούλ ιολ július",
	8:  "aug august agosto ago août aout augustus αύγ αυγ augusztus",
	9:  "sep sept september setembro set septiembre setiembre septembre settembre σεπ szeptember",
	10: "oct october outubro out octubre octobre oktober okt ottobre ott οκτ október",
	11: "nov november novembro noviembre novembre νοέ νοε",
	12: "dec december dezembro dez diciembre dic décembre decembre déc dezember dicembre δεκ",
})

// dayNames are weekday names and abbreviations; a date's weekday is
// skipped, never checked against the date (feeds get it wrong).
var dayNames = set("mon monday tue tues tuesday wed wednesday thu thur thurs thursday " +
	"fri friday sat saturday sun sunday " +
	"seg segunda segunda-feira ter terça terca terça-feira terca-feira qua quarta quarta-feira " +
	"qui quinta quinta-feira sex sexta sexta-feira sáb sab sábado sabado dom domingo " +
	"lun lunes mar martes mié mie miércoles miercoles jue jueves vie viernes " +
	"lundi mardi mer mercredi jeu jeudi ven vendredi sam samedi dim dimanche " +
	"mo montag di dienstag mi mittwoch do donnerstag fr freitag sa samstag sonnabend so sonntag " +
	"lunedì martedì mercoledì gio giovedì venerdì sabato domenica " +
	"ma maandag dinsdag wo woensdag donderdag vr vrijdag za zaterdag zo zondag " +
	"κυρ δευ τρι τετ πεμ παρ σαβ")

// fillers are words long-form dates put between their parts
// ("24 de setembro de 2018", "3 of June"). "at" is not one: AT is a
// zone.
var fillers = set("de del of à às um le der den -")

// zones are named zones with one meaning in feeds, in minutes east of UTC.
// The US short forms (ET, CT, MT, PT, AT) are read as standard time, as
// feedparser does; AST is Atlantic time, as in feedparser and RFC 822.
// Abbreviations with several meanings (IST, BST aside) are left out.
var zones = map[string]int{
	"GMT": 0, "UT": 0, "UTC": 0, "Z": 0, "WET": 0,
	"EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360,
	"PST": -480, "PDT": -420, "AKST": -540, "AKDT": -480, "HST": -600,
	"AST": -240, "ADT": -180, "NST": -210, "NDT": -150,
	"ET": -300, "CT": -360, "MT": -420, "PT": -480, "AT": -240,
	"WEST": 60, "BST": 60, "CET": 60, "CEST": 120, "MET": 60, "MEST": 120,
	"MEZ": 60, "MESZ": 120, "EET": 120, "EEST": 180, "MSK": 180,
	"JST": 540, "KST": 540, "HKT": 480, "SGT": 480, "AWST": 480,
	"ACST": 570, "ACDT": 630, "AEST": 600, "AEDT": 660, "NZST": 720, "NZDT": 780,
	"BRT": -180, "BRST": -120, "ART": -180,
}

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

func names(byNumber map[int]string) map[string]int {
	m := map[string]int{}
	for n, words := range byNumber {
		for _, w := range strings.Fields(words) {
			m[w] = n
		}
	}
	return m
}
