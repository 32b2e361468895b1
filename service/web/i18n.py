"""The pages' words in Norwegian Bokmål (default) and English, and dates in Europe/Oslo.

The matcher explains itself in English with a `code` and `data` on each reason (and a
`rule` on each unfilled count and near miss); Norwegian is rendered here from those,
with the English sentence as the fallback when a shape is not recognised.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")
LANGS = ("nb", "en")
DEFAULT_LANG = "nb"

NB: dict[str, str] = {
    "app": "samspill",
    "skip": "Hopp til innhold",
    "nav": "Hovedmeny",
    "nav.overview": "Oversikt",
    "nav.matching": "Matching",
    "nav.volunteers": "Frivillige",
    "signout": "Logg ut",
    "signed_in_as": "Innlogget som",
    "language": "Språk",
    "lang.switch": "English",
    "signin.title": "Logg inn",
    "signin.email": "E-post",
    "signin.password": "Passord",
    "signin.submit": "Logg inn",
    "signin.wrong": "Feil e-post eller passord.",
    "signin.limited": "For mange feil forsøk. Vent 15 minutter og prøv igjen.",
    "signin.intro": "For frivilligkoordinatoren i kommunen.",
    "signin.signed_out": "Du er logget ut.",
    "forbidden.title": "Ingen tilgang",
    "forbidden.text": "Disse sidene er for frivilligkoordinatoren. Kontakt koordinatoren om du trenger tilgang.",
    "notfound.title": "Finnes ikke",
    "error.title": "Noe gikk galt",
    "overview.title": "Oversikt",
    "overview.needs": "Behov per tjenestested og organisasjon",
    "overview.site": "Tjenestested / organisasjon",
    "overview.needs_count": "Behov",
    "overview.places": "Plasser",
    "overview.filled": "Fylt",
    "overview.open": "Åpne",
    "overview.waiting": "Forslag som venter på vurdering",
    "overview.waiting_none": "Ingen forslag venter. Kjør en ny matching når registeret er oppdatert.",
    "overview.waiting_go": "Gå til matching",
    "overview.followups": "Oppfølgingssamtaler denne uka",
    "overview.followups_none": "Ingen oppfølgingssamtaler denne uka.",
    "overview.onboarding": "Frivillige med ufullstendig mottak",
    "overview.onboarding_none": "Alle frivillige har fullført mottaket.",
    "overview.missing": "Mangler",
    "overview.more": "og {n} til",
    "overview.overdue": "forfalt",
    "matching.title": "Matching",
    "matching.run": "Kjør ny matching",
    "matching.running": "Matching pågår …",
    "matching.running_help": "Løseren leter etter den beste fordelingen. Siden oppdateres når den er ferdig.",
    "matching.elapsed": "{s} av høyst {limit} sekunder",
    "matching.no_plan": "Ingen plan ennå. Kjør matching for å få forslag.",
    "matching.plan": "Utkast fra {when}",
    "matching.released_plan": "Siste plan ble frigitt {when}. Kjør ny matching for nye forslag.",
    "matching.summary": "{filled} av {places} plasser får forslag; {unfilled} behov har åpne plasser.",
    "matching.proposals": "Forslag per behov",
    "matching.unfilled": "Behov som ikke blir fylt",
    "matching.unfilled_none": "Alle behov får forslag.",
    "matching.release": "Frigi planen …",
    "matching.counts": "{accepted} godtatt, {rejected} avvist, {waiting} venter",
    "matching.failed": "Matchingen feilet: {detail}",
    "matching.busy": "En matching kjører allerede.",
    "proposal.volunteer": "Frivillig",
    "proposal.score": "Poeng",
    "proposal.accept": "Godta",
    "proposal.accept_after_reject": "Angre avvisning og godta",
    "proposal.pin": "Fest",
    "proposal.pin_help": "Godta og behold paret i senere kjøringer",
    "proposal.reject": "Avvis",
    "proposal.reject_reason": "Begrunnelse for avvisning",
    "proposal.reject_submit": "Avvis forslaget",
    "proposal.reason_required": "Skriv en begrunnelse.",
    "state.proposed": "Venter",
    "state.accepted": "Godtatt",
    "state.rejected": "Avvist",
    "state.pinned": "Festet",
    "need.places": "{headcount} plasser",
    "need.place": "1 plass",
    "need.accepted": "{n} av {headcount} godtatt",
    "need.priority": "Prioritet {p}",
    "need.open": "{n} åpne",
    "need.times": "Tider",
    "need.posted_by": "Lagt inn av",
    "need.activity": "Aktivitet",
    "need.requirements": "Krav",
    "need.proposals": "Forslag",
    "need.placements": "Plasseringer",
    "need.none": "Ingen.",
    "need.languages": "Språk",
    "need.training": "Opplæring",
    "need.police": "Politiattest kreves",
    "need.min_age": "Minst {age} år",
    "need.period": "Periode",
    "need.tags": "Stikkord",
    "unfilled.excluded": "Utelukket etter regel",
    "unfilled.near": "Nærmest å kvalifisere",
    "unfilled.elsewhere": "Plassert et annet sted",
    "unfilled.rule": "Regel",
    "unfilled.count": "Antall",
    "release.title": "Frigi plan",
    "release.intro": "Se over endringene. Når du bekrefter, blir de godtatte forslagene plasseringer, og de frivillige får tilbud.",
    "release.new": "Nye plasseringer",
    "release.ended": "Avsluttes",
    "release.ended_none": "Frigivingen avslutter ingen plasseringer. En plassering avsluttes etter avslutningssamtalen.",
    "release.not_in_plan": "Gjelder fortsatt, men er ikke godtatt i denne planen",
    "release.unchanged": "Uendret (gjelder allerede)",
    "release.confirm": "Bekreft og frigi",
    "release.cancel": "Tilbake til matching",
    "release.nothing": "Ingen godtatte forslag ennå. Godta forslag før du frigir.",
    "release.done": "Planen er frigitt: {n} nye plasseringer.",
    "release.done_one": "Planen er frigitt: 1 ny plassering.",
    "release.waiting_warning": "{n} forslag er ikke vurdert. De blir ikke plasseringer.",
    "volunteer.title": "Frivillig",
    "volunteer.profile": "Profil",
    "volunteer.phone": "Telefon",
    "volunteer.email": "E-post",
    "volunteer.birth": "Født",
    "volunteer.activities": "Aktiviteter",
    "volunteer.interests": "Interesser",
    "volunteer.languages": "Språk",
    "volunteer.max": "Maks oppdrag",
    "volunteer.travel": "Maks reiseavstand",
    "volunteer.hours": "Maks timer per uke",
    "volunteer.availability": "Tilgjengelighet",
    "volunteer.unavailable": "Borte",
    "volunteer.training": "Opplæring",
    "volunteer.completed": "Fullført",
    "volunteer.expires": "Utløper",
    "volunteer.expired": "Utløpt",
    "volunteer.expires_soon": "Utløper snart",
    "volunteer.valid": "Gyldig",
    "volunteer.onboarding": "Mottak",
    "volunteer.placements": "Plasseringer og oppfølging",
    "volunteer.proposals": "Forslag",
    "volunteer.next_followup": "Neste oppfølging",
    "volunteer.followups_done": "Gjennomførte oppfølginger",
    "volunteer.record_first": "Registrer første samtale",
    "volunteer.record_followup": "Registrer oppfølgingssamtale",
    "volunteer.date": "Dato",
    "volunteer.save": "Lagre",
    "volunteer.list": "Frivillige",
    "volunteer.no_training": "Ingen registrert opplæring.",
    "onboarding.first_conversation": "Første samtale",
    "onboarding.agreement": "Frivilligavtale signert",
    "onboarding.declaration": "Taushetserklæring signert",
    "onboarding.police": "Politiattest vist",
    "onboarding.police_not_needed": "Politiattest (ikke nødvendig for aktivitetene)",
    "onboarding.intro": "Introduksjonskurs",
    "onboarding.done": "Fullført",
    "onboarding.missing": "Mangler",
    "onboarding.police_too_old": "Attesten var eldre enn 3 måneder da den ble vist",
    "onboarding.implied": "ikke registrert, men avtalen er signert, så samtalen er holdt",
    "matching.jump": "Gå til",
    "placement.state.offered": "Tilbudt",
    "placement.state.confirmed": "Bekreftet",
    "placement.state.declined": "Avslått",
    "placement.state.ended": "Avsluttet",
    "placement.start": "Start",
    "placement.site": "Sted",
    "placement.need": "Behov",
    "placement.state": "Status",
    "weekday.1": "mandag", "weekday.2": "tirsdag", "weekday.3": "onsdag", "weekday.4": "torsdag",
    "weekday.5": "fredag", "weekday.6": "lørdag", "weekday.7": "søndag",
    "wd.1": "Man", "wd.2": "Tir", "wd.3": "Ons", "wd.4": "Tor", "wd.5": "Fre", "wd.6": "Lør", "wd.7": "Søn",
    "grid.caption": "Tilgjengelighet per ukedag og time (fylt rute = tilgjengelig)",
    "grid.available": "tilgjengelig",
    "grid.hour": "Time",
    "yes": "Ja",
    "no": "Nei",
    "back": "Tilbake",
    "km": "{km} km",
    "hours": "{h} t",
    "once": "én gang {date} kl. {start}–{end}",
    "weekly": "{day}er kl. {start}–{end}",
    "from_until": "{start} – {end}",
    "reason.priority": "Fyller en plass i et behov med prioritet {p}",
    "reason.eligible": "Oppfyller alle plasseringsreglene (E1–E9)",
    "reason.pinned": "Festet av koordinatoren",
    "reason.interests": "Felles interesser: {shared}",
    "reason.continuity_activity": "Har vært {activity} på {site} før",
    "reason.continuity_site": "Har vært frivillig på {site} før",
    "reason.travel": "Bor {km} km unna",
    "reason.previous": "Beholder en plassering som allerede gjelder",
    "rule.E1": "ikke villig til denne aktiviteten",
    "rule.E2": "avtale eller taushetserklæring ikke signert innen start",
    "rule.E3": "mangler opplæring, eller den er utløpt",
    "rule.E4": "under minstealder, eller fødselsdato ukjent",
    "rule.E5": "ingen gyldig politiattest vist",
    "rule.E6": "ikke tilgjengelig på behovets tider",
    "rule.E7": "snakker ingen av behovets språk",
    "rule.E8": "bor lenger unna enn egen maks reiseavstand",
    "rule.E9": "avvist for dette behovet av koordinatoren",
    "rule.C2": "tar ingen flere oppdrag, eller timene per uke blir for mange",
    "volunteers.one": "1 frivillig",
    "volunteers.many": "{n} frivillige",
    "miss.E1": "ville kvalifisert om de tok på seg {activity}",
    "miss.E2": "ville kvalifisert når avtale og taushetserklæring er signert",
    "miss.E3": "ville kvalifisert med gyldig {training}",
    "miss.E4": "ville kvalifisert, men er under {age} år eller mangler fødselsdato",
    "miss.E5": "ville kvalifisert med politiattest vist (høyst 3 måneder gammel da den ble vist)",
    "miss.E6": "er ikke tilgjengelig på behovets tider",
    "miss.E6.away": "er borte {start} – {end}, når behovet starter",
    "miss.E6.day": "er ikke tilgjengelig på {day}er (behovet er kl. {times})",
    "miss.E6.until": "er tilgjengelig på {day}er, men bare til kl. {t} (behovet er kl. {times})",
    "miss.E6.from": "er tilgjengelig på {day}er, men først fra kl. {t} (behovet er kl. {times})",
    "miss.E7": "ville kvalifisert, men snakker ingen av {langs}",
    "miss.E8": "ville kvalifisert, men bor lenger unna enn egen maks reiseavstand",
    "miss.E9": "ville kvalifisert, men er avvist for dette behovet av koordinatoren",
    "miss.C2": "ville kvalifisert, men har for få ledige timer i uka ({h} t trengs)",
    "summary.no_occurrence": "Behovet har ingen forekomst i planperioden.",
    "summary.unwilling": "Ingen frivillige vil gjøre {activity}.",
    "summary.none_eligible": "Ingen frivillige oppfyller alle reglene. Av {willing} villige er det vanligste hinderet: {rule} ({n}).",
    "summary.elsewhere": "{vols} oppfyller alle reglene, men planen plasserer dem et annet sted.",
    "elsewhere.unplaced": "oppfyller alle reglene, men er ikke plassert: planen stoppet ved tidsgrensen, eller en festet plassering hindrer det",
    "elsewhere.placed": "plassert på «{title}» (prioritet {p}) i stedet: {why}",
    "why.cap": "tar høyst {n} oppdrag",
    "why.overlap": "dette behovet ville overlappet plasseringen",
    "why.hours": "dette behovet ville gitt mer enn {h} timer i uka",
    "why.plan": "planen som helhet fyller flere eller viktigere plasser slik",
    "problem.need-full": "Behovet har ingen ledig plass igjen.",
    "problem.volunteer-busy": "Den frivillige er allerede opptatt på disse tidene eller har nådd maks antall oppdrag.",
    "problem.plan-not-draft": "Planen er ikke lenger et utkast. Last siden på nytt.",
    "problem.volunteer-gone": "Den frivillige er ikke lenger registrert.",
    "problem.run-in-progress": "En matching kjører allerede.",
    "htmx.error": "Endringen ble ikke lagret (feil {status}). Last siden på nytt og prøv igjen.",
    "forbidden.signout": "Logg ut og logg inn som koordinator",
}

EN: dict[str, str] = {
    "app": "samspill",
    "skip": "Skip to content",
    "nav": "Main menu",
    "nav.overview": "Overview",
    "nav.matching": "Matching",
    "nav.volunteers": "Volunteers",
    "signout": "Sign out",
    "signed_in_as": "Signed in as",
    "language": "Language",
    "lang.switch": "Norsk",
    "signin.title": "Sign in",
    "signin.email": "Email",
    "signin.password": "Password",
    "signin.submit": "Sign in",
    "signin.wrong": "Wrong email or password.",
    "signin.limited": "Too many failed attempts. Wait 15 minutes and try again.",
    "signin.intro": "For the municipality's volunteer coordinator.",
    "signin.signed_out": "You are signed out.",
    "forbidden.title": "No access",
    "forbidden.text": "These pages are for the volunteer coordinator. Ask the coordinator if you need access.",
    "notfound.title": "Not found",
    "error.title": "Something went wrong",
    "overview.title": "Overview",
    "overview.needs": "Needs per service site and organisation",
    "overview.site": "Site / organisation",
    "overview.needs_count": "Needs",
    "overview.places": "Places",
    "overview.filled": "Filled",
    "overview.open": "Open",
    "overview.waiting": "Proposals waiting for review",
    "overview.waiting_none": "No proposals are waiting. Run matching when the register is up to date.",
    "overview.waiting_go": "Go to matching",
    "overview.followups": "Follow-up conversations this week",
    "overview.followups_none": "No follow-up conversations this week.",
    "overview.onboarding": "Volunteers with incomplete onboarding",
    "overview.onboarding_none": "Every volunteer has completed onboarding.",
    "overview.missing": "Missing",
    "overview.more": "and {n} more",
    "overview.overdue": "overdue",
    "matching.title": "Matching",
    "matching.run": "Run new matching",
    "matching.running": "Matching in progress …",
    "matching.running_help": "The solver is looking for the best plan. The page updates when it is done.",
    "matching.elapsed": "{s} of at most {limit} seconds",
    "matching.no_plan": "No plan yet. Run matching to get proposals.",
    "matching.plan": "Draft from {when}",
    "matching.released_plan": "The latest plan was released {when}. Run matching for new proposals.",
    "matching.summary": "{filled} of {places} places get a proposal; {unfilled} needs have open places.",
    "matching.proposals": "Proposals by need",
    "matching.unfilled": "Needs left unfilled",
    "matching.unfilled_none": "Every need gets proposals.",
    "matching.release": "Release the plan …",
    "matching.counts": "{accepted} accepted, {rejected} rejected, {waiting} waiting",
    "matching.failed": "Matching failed: {detail}",
    "matching.busy": "A matching run is already in progress.",
    "proposal.volunteer": "Volunteer",
    "proposal.score": "Score",
    "proposal.accept": "Accept",
    "proposal.accept_after_reject": "Undo the rejection and accept",
    "proposal.pin": "Pin",
    "proposal.pin_help": "Accept and keep the pair in later runs",
    "proposal.reject": "Reject",
    "proposal.reject_reason": "Reason for rejecting",
    "proposal.reject_submit": "Reject the proposal",
    "proposal.reason_required": "Give a reason.",
    "state.proposed": "Waiting",
    "state.accepted": "Accepted",
    "state.rejected": "Rejected",
    "state.pinned": "Pinned",
    "need.places": "{headcount} places",
    "need.place": "1 place",
    "need.accepted": "{n} of {headcount} accepted",
    "need.priority": "Priority {p}",
    "need.open": "{n} open",
    "need.times": "Times",
    "need.posted_by": "Posted by",
    "need.activity": "Activity",
    "need.requirements": "Requirements",
    "need.proposals": "Proposals",
    "need.placements": "Placements",
    "need.none": "None.",
    "need.languages": "Languages",
    "need.training": "Training",
    "need.police": "Police certificate required",
    "need.min_age": "At least {age} years old",
    "need.period": "Period",
    "need.tags": "Tags",
    "unfilled.excluded": "Excluded by rule",
    "unfilled.near": "Nearest misses",
    "unfilled.elsewhere": "Placed elsewhere",
    "unfilled.rule": "Rule",
    "unfilled.count": "Count",
    "release.title": "Release plan",
    "release.intro": "Check the changes. When you confirm, accepted proposals become placements and the volunteers are offered them.",
    "release.new": "New placements",
    "release.ended": "Ending",
    "release.ended_none": "Releasing ends no placements. A placement ends after the closing conversation.",
    "release.not_in_plan": "Still in force, but not accepted in this plan",
    "release.unchanged": "Unchanged (already in force)",
    "release.confirm": "Confirm and release",
    "release.cancel": "Back to matching",
    "release.nothing": "No accepted proposals yet. Accept proposals before releasing.",
    "release.done": "The plan is released: {n} new placements.",
    "release.done_one": "The plan is released: 1 new placement.",
    "release.waiting_warning": "{n} proposals are not reviewed. They will not become placements.",
    "volunteer.title": "Volunteer",
    "volunteer.profile": "Profile",
    "volunteer.phone": "Phone",
    "volunteer.email": "Email",
    "volunteer.birth": "Born",
    "volunteer.activities": "Activities",
    "volunteer.interests": "Interests",
    "volunteer.languages": "Languages",
    "volunteer.max": "Max assignments",
    "volunteer.travel": "Max travel distance",
    "volunteer.hours": "Max hours per week",
    "volunteer.availability": "Availability",
    "volunteer.unavailable": "Away",
    "volunteer.training": "Training",
    "volunteer.completed": "Completed",
    "volunteer.expires": "Expires",
    "volunteer.expired": "Expired",
    "volunteer.expires_soon": "Expires soon",
    "volunteer.valid": "Valid",
    "volunteer.onboarding": "Onboarding",
    "volunteer.placements": "Placements and follow-up",
    "volunteer.proposals": "Proposals",
    "volunteer.next_followup": "Next follow-up",
    "volunteer.followups_done": "Follow-ups held",
    "volunteer.record_first": "Record first conversation",
    "volunteer.record_followup": "Record follow-up conversation",
    "volunteer.date": "Date",
    "volunteer.save": "Save",
    "volunteer.list": "Volunteers",
    "volunteer.no_training": "No training recorded.",
    "onboarding.first_conversation": "First conversation",
    "onboarding.agreement": "Volunteer agreement signed",
    "onboarding.declaration": "Confidentiality declaration signed",
    "onboarding.police": "Police certificate shown",
    "onboarding.police_not_needed": "Police certificate (not needed for their activities)",
    "onboarding.intro": "Introduction course",
    "onboarding.done": "Done",
    "onboarding.missing": "Missing",
    "onboarding.police_too_old": "The certificate was older than 3 months when shown",
    "onboarding.implied": "not recorded, but the agreement is signed, so the conversation was held",
    "matching.jump": "Jump to",
    "placement.state.offered": "Offered",
    "placement.state.confirmed": "Confirmed",
    "placement.state.declined": "Declined",
    "placement.state.ended": "Ended",
    "placement.start": "Start",
    "placement.site": "Site",
    "placement.need": "Need",
    "placement.state": "State",
    "weekday.1": "Monday", "weekday.2": "Tuesday", "weekday.3": "Wednesday", "weekday.4": "Thursday",
    "weekday.5": "Friday", "weekday.6": "Saturday", "weekday.7": "Sunday",
    "wd.1": "Mon", "wd.2": "Tue", "wd.3": "Wed", "wd.4": "Thu", "wd.5": "Fri", "wd.6": "Sat", "wd.7": "Sun",
    "grid.caption": "Availability per weekday and hour (filled cell = available)",
    "grid.available": "available",
    "grid.hour": "Hour",
    "yes": "Yes",
    "no": "No",
    "back": "Back",
    "km": "{km} km",
    "hours": "{h} h",
    "once": "once on {date} {start}–{end}",
    "weekly": "{day}s {start}–{end}",
    "from_until": "{start} – {end}",
    "reason.priority": "Fills a place in a priority-{p} need",
    "reason.eligible": "Meets every placement rule (E1–E9)",
    "reason.pinned": "Pinned by the coordinator",
    "reason.interests": "Shared interests: {shared}",
    "reason.continuity_activity": "Has been {activity} at {site} before",
    "reason.continuity_site": "Has volunteered at {site} before",
    "reason.travel": "Lives {km} km away",
    "reason.previous": "Keeps a placement already in force",
    "rule.E1": "not willing to do this activity",
    "rule.E2": "agreement or confidentiality declaration not signed by the start date",
    "rule.E3": "missing or expired training",
    "rule.E4": "under the minimum age, or birth date unknown",
    "rule.E5": "no valid police certificate shown",
    "rule.E6": "not available at the need's times",
    "rule.E7": "speaks none of the need's languages",
    "rule.E8": "lives beyond their maximum travel distance",
    "rule.E9": "rejected for this need by the coordinator",
    "rule.C2": "takes no more assignments, or the weekly hours exceed their limit",
    "volunteers.one": "1 volunteer",
    "volunteers.many": "{n} volunteers",
    "summary.no_occurrence": "The need has no occurrence inside the planning period.",
    "elsewhere.unplaced": "meets every rule but is not placed: the plan stopped at the time limit, or a pinned placement blocks it",
    "problem.need-full": "The need has no open place left.",
    "problem.volunteer-busy": "The volunteer is already busy at these times or has reached their maximum assignments.",
    "problem.plan-not-draft": "The plan is no longer a draft. Reload the page.",
    "problem.volunteer-gone": "The volunteer is no longer registered.",
    "problem.run-in-progress": "A matching run is already in progress.",
    "htmx.error": "The change was not saved (error {status}). Reload the page and try again.",
    "forbidden.signout": "Sign out and sign in as the coordinator",
}

from service.web.i18n_register import install as _install_register_words

_install_register_words(NB, EN)
CATALOGUES = {"nb": NB, "en": EN}
MONTHS_NB = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
             "november", "desember")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")
_EN_DAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


def pick_lang(value: str | None) -> str:
    return value if value in LANGS else DEFAULT_LANG


def t(lang: str, key: str, **kw: Any) -> str:
    """The phrase for `key`; English, then the key itself, when a language lacks it."""
    text = CATALOGUES.get(lang, NB).get(key) or EN.get(key) or key
    return text.format(**kw) if kw else text


def number(lang: str, x: float) -> str:
    s = f"{x:g}"
    return s.replace(".", ",") if lang == "nb" else s


def date(lang: str, d: dt.date | str | None) -> str:
    if d is None:
        return ""
    if isinstance(d, str):
        d = dt.date.fromisoformat(d[:10])
    if isinstance(d, dt.datetime):
        d = d.astimezone(OSLO).date()
    if lang == "nb":
        return f"{d.day}. {MONTHS_NB[d.month - 1]} {d.year}"
    return f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"


def short_date(lang: str, d: dt.date | str | None) -> str:
    if d is None:
        return ""
    if isinstance(d, str):
        d = dt.date.fromisoformat(d[:10])
    return d.strftime("%d.%m.%Y") if lang == "nb" else d.isoformat()


def datetime(lang: str, when: dt.datetime | str | None) -> str:
    """A moment as the wall clock in Oslo shows it."""
    if when is None:
        return ""
    if isinstance(when, str):
        when = dt.datetime.fromisoformat(when)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    local = when.astimezone(OSLO)
    if lang == "nb":
        return f"{date(lang, local.date())} kl. {local:%H:%M}"
    return f"{date(lang, local.date())} at {local:%H:%M}"


def month_label(lang: str, key: str) -> str:
    """'2027-03' → 'mar 2027' / 'Mar 2027', for chart axes."""
    year, month = key.split("-")
    name = (MONTHS_NB if lang == "nb" else MONTHS_EN)[int(month) - 1][:3]
    return f"{name} {year}"


def today_oslo() -> dt.date:
    return dt.datetime.now(OSLO).date()


def volunteers_phrase(lang: str, n: int) -> str:
    return t(lang, "volunteers.one") if n == 1 else t(lang, "volunteers.many", n=n)


def rule_name(lang: str, rule: str) -> str:
    return t(lang, f"rule.{rule}")


def reason_text(lang: str, reason: dict[str, Any], *, site: str = "", activity: str = "") -> str:
    """One match reason in plain words, from its code and data."""
    code = reason.get("code", "")
    data = reason.get("data") or {}
    english = str(reason.get("text", ""))
    if lang == "en":
        if code == "travel" and "km" in data:
            return t(lang, "reason.travel", km=number(lang, float(data["km"])))
        return english[:1].upper() + english[1:]
    if code == "priority" and "priority" in data:
        return t(lang, "reason.priority", p=data["priority"])
    if code == "eligible":
        return t(lang, "reason.eligible")
    if code == "pinned":
        return t(lang, "reason.pinned")
    if code == "interests":
        return t(lang, "reason.interests", shared=", ".join(str(x) for x in data.get("shared", [])))
    if code == "continuity":
        if data.get("same_activity"):
            return t(lang, "reason.continuity_activity", activity=activity.lower() or "?", site=site or "?")
        return t(lang, "reason.continuity_site", site=site or "?")
    if code == "travel" and "km" in data:
        return t(lang, "reason.travel", km=number(lang, float(data["km"])))
    if code == "previous":
        return t(lang, "reason.previous")
    return english


_COUNTED = re.compile(r"^(\d+) volunteers? (.*)$", re.DOTALL)
_PATTERNS: list[tuple[str, re.Pattern[str], str]] = [
    ("E1", re.compile(r"^would qualify if they took on (?P<activity>.+)$"), "miss.E1"),
    ("E2", re.compile(r"^would qualify once the agreement"), "miss.E2"),
    ("E3", re.compile(r"^would qualify with a valid (?P<training>.+)$"), "miss.E3"),
    ("E4", re.compile(r"^would qualify but (?:is|are) under (?P<age>\d+)"), "miss.E4"),
    ("E5", re.compile(r"^would qualify with a police certificate"), "miss.E5"),
    ("E6", re.compile(r"^(?:is|are) away (?P<start>\d{4}-\d\d-\d\d) – (?P<end>\d{4}-\d\d-\d\d)"), "miss.E6.away"),
    ("E6", re.compile(r"^(?:is|are) not available on (?P<day>\w+) \(the need is (?P<times>[^)]+)\)"), "miss.E6.day"),
    ("E6", re.compile(r"^(?:is|are) available (?P<day>\w+) but only until (?P<t>[\d:]+) \(the need is (?P<times>[^)]+)\)"),
     "miss.E6.until"),
    ("E6", re.compile(r"^(?:is|are) available (?P<day>\w+) but only from (?P<t>[\d:]+) \(the need is (?P<times>[^)]+)\)"),
     "miss.E6.from"),
    ("E6", re.compile(r"^(?:is|are) not available at the need's times"), "miss.E6"),
    ("E7", re.compile(r"^would qualify but (?:speaks|speak) none of (?P<langs>.+)$"), "miss.E7"),
    ("E8", re.compile(r"^would qualify but (?:lives|live) beyond"), "miss.E8"),
    ("E9", re.compile(r"^would qualify but (?:was|were) rejected"), "miss.E9"),
    ("C2", re.compile(r"^would qualify but (?:has|have) too few weekly hours left \((?P<h>[\d.]+) h needed\)"), "miss.C2"),
]


def _fix(lang: str, key: str, value: str) -> str:
    if key == "day" and value in _EN_DAYS:
        return t(lang, f"weekday.{_EN_DAYS.index(value) + 1}")
    if key in ("start", "end"):
        return short_date(lang, value)
    if key == "h":
        return number(lang, float(value))
    return value


def _predicate(lang: str, rule: str, predicate: str) -> str | None:
    for r, pattern, key in _PATTERNS:
        if r != rule:
            continue
        m = pattern.match(predicate)
        if m:
            return t(lang, key, **{k: _fix(lang, k, v) for k, v in m.groupdict().items()})
    return None


def near_miss_text(lang: str, miss: dict[str, Any]) -> str:
    """'3 volunteers would qualify with a valid Demensopplæring' → '3 frivillige ville kvalifisert med gyldig …'."""
    english = str(miss.get("text", ""))
    if lang == "en":
        return english
    m = _COUNTED.match(english)
    if not m:
        return english
    said = _predicate(lang, str(miss.get("rule", "")), m.group(2))
    if said is None:
        return english
    count = int(miss.get("count") or m.group(1))
    if lang == "nb" and count != 1:
        said = re.sub(r"\btilgjengelig\b", "tilgjengelige", said)  # the adjective agrees with the plural
    return f"{volunteers_phrase(lang, count)} {said}"


def unfilled_summary(lang: str, reasons: dict[str, Any], *, activity: str = "") -> str:
    english = str(reasons.get("summary", ""))
    if lang == "en":
        return english[:1].upper() + english[1:]
    head = english.split("; nearest miss:")[0]
    if head.startswith("the need has no occurrence"):
        return t(lang, "summary.no_occurrence")
    if head.startswith("no volunteer is willing"):
        return t(lang, "summary.unwilling", activity=activity or head.rsplit(" ", 1)[-1])
    m = re.match(r"^no volunteer meets every rule; of (\d+) willing, the most common obstacle is: .* \((\d+)\)$", head)
    if m:
        excluded = reasons.get("excluded") or []
        rule = next((e["rule"] for e in excluded if e.get("text") and e["text"] in head), None)
        name = rule_name(lang, rule) if rule else head.split("obstacle is: ")[1].rsplit(" (", 1)[0]
        return t(lang, "summary.none_eligible", willing=m.group(1), rule=name, n=m.group(2))
    m = re.match(r"^(\d+) volunteers? meets? every rule", head)
    if m:
        return t(lang, "summary.elsewhere", vols=volunteers_phrase(lang, int(m.group(1))))
    return english


_WHY: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^takes at most (?P<n>\d+) assignment"), "why.cap"),
    (re.compile(r"^this need would overlap"), "why.overlap"),
    (re.compile(r"^this need would take them over (?P<h>[\d.]+) hours"), "why.hours"),
    (re.compile(r"^the plan as a whole"), "why.plan"),
]


def elsewhere_text(lang: str, item: dict[str, Any], need_titles: dict[str, str]) -> str:
    english = str(item.get("text", ""))
    if lang == "en":
        return english
    if english.startswith("meets every rule but is not placed"):
        return t(lang, "elsewhere.unplaced")
    m = re.match(r"^placed at .* \((?P<id>[^,]+), priority (?P<p>\d)\) instead: (?P<why>.*)$", english, re.DOTALL)
    if not m:
        return english
    why = m.group("why")
    for pattern, key in _WHY:
        w = pattern.match(why)
        if w:
            why = t(lang, key, **{k: _fix(lang, k, v) for k, v in w.groupdict().items()})
            break
    title = need_titles.get(str(item.get("need") or m.group("id")), m.group("id"))
    return t(lang, "elsewhere.placed", title=title, p=m.group("p"), why=why)
