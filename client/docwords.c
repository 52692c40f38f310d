/* docwords.c -- the words of the documents samvirke writes for people (maps, network maps,
 * spreadsheets, meeting packs) in Danish, the default, and English.
 *
 * The Danish follows the words the teams use themselves (the 2020 evaluation of the model):
 * kerneteam, områdemøde, ressourcer og udfordringer, indsatser, udvekslingsfællesskab,
 * partnerskab, reel samskabelse. */
#include "docwords.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

static const struct word {
  const char *key, *da, *en;
} words[] = {
    /* the map */
    {"map.title", "ressourcer og udfordringer", "resources and challenges"},
    {"resource", "Ressource", "Resource"},
    {"challenge", "Udfordring", "Challenge"},
    {"resources", "ressourcer", "resources"},
    {"challenges", "udfordringer", "challenges"},
    {"one.resource", "ressource", "resource"},
    {"one.challenge", "udfordring", "challenge"},
    {"group.level", "Gruppeniveau", "Group level"},
    {"group.of", "gruppe på ca.", "group of ~"},
    {"group", "gruppe", "group"},
    {"on.map", "På kortet", "On the map"},
    {"not.on.map", "Ikke på kortet (ingen placering)", "Not on the map (no location)"},
    {"n.on.map", "på kortet", "on the map"},
    {"as.of", "pr.", "as of"},
    {"no.location", "Ingen observation i området har en placering endnu",
     "No observation in this area has a location yet"},
    {"add.location", "tilføj en med: samvirke observe OMRÅDE ... --at BREDDE,LÆNGDE TEKST",
     "add one with: samvirke observe AREA ... --at LAT,LON TEXT"},
    {"no.observations", "Ingen observationer endnu.", "No observations yet."},
    {"map.footer",
     "samvirke · kun data på område- og gruppeniveau; oplysninger om enkeltpersoner hører "
     "hjemme i fortrolige noter. Placeringer er omtrentlige (WGS 84).",
     "samvirke · area- and group-level data only; information about individuals belongs in "
     "restricted notes. Positions are approximate (WGS 84)."},
    {"interventions", "Indsatser", "Interventions"},
    {"intervention", "Indsats", "Intervention"},
    {"n.intervention", "indsats", "intervention"},
    {"n.interventions", "indsatser", "interventions"},
    {"link", "Kobling", "Link"},
    {"boundary", "Områdegrænse", "Area boundary"},
    {"overdue", "overskredet", "overdue"},
    {"due", "frist", "due"},
    {"owner", "ansvarlig", "owner"},
    {"answers", "kan imødekomme", "can answer"},
    {"answered.by", "kan imødekommes af", "can be answered by"},
    {"addresses", "adresserer", "addresses"},
    {"uses", "bruger", "uses"},
    /* the network map */
    {"network.title", "Netværkskort", "Network map"},
    {"team", "Kerneteamet", "The core team"},
    {"network.legend",
     "stiplet: udvekslingsfællesskab \xc2\xb7 tynd: partnerskab \xc2\xb7 tyk: reel samskabelse",
     "dashed: exchange \xc2\xb7 thin: partnership \xc2\xb7 thick: co-creation"},
    {"form", "Samarbejdsform", "Form of collaboration"},
    /* meeting packs */
    {"meeting", "Møde", "Meeting"},
    {"meeting.area", "Områdemøde", "Area meeting"},
    {"meeting.core", "Kerneteamets møde", "Core team meeting"},
    {"agenda", "Dagsorden", "Agenda"},
    {"map.heading", "Kort", "Map"},
    {"attendees", "Deltagere", "Attendees"},
    {"open.interventions", "Åbne indsatser", "Open interventions"},
    {"decisions", "Beslutninger", "Decisions"},
    {"minutes", "Referat", "Minutes"},
    {"links", "Koblinger", "Links"},
    {"no.agenda", "Ingen punkter på dagsordenen endnu.", "No agenda items yet."},
    {"none", "Ingen.", "None."},
    {"printed", "Udskrevet", "Printed"},
    {"core.minutes.sealed",
     "Referatet er krypteret til deltagerne og udskrives ikke.",
     "The minutes are encrypted to the attendees and are not printed."},
    {"pack.footer",
     "samvirke · områdemødets materiale: kun data på område- og gruppeniveau.",
     "samvirke · material for the area meeting: area- and group-level data only."},
    /* spreadsheet columns */
    {"col.id", "id", "id"},
    {"col.kind", "type", "kind"},
    {"col.category", "kategori", "category"},
    {"col.level", "niveau", "level"},
    {"col.size", "gruppestørrelse", "group size"},
    {"col.lat", "bredde", "latitude"},
    {"col.lon", "længde", "longitude"},
    {"col.text", "tekst", "text"},
    {"col.author", "oprettet af", "author"},
    {"col.time", "tidspunkt", "time"},
    {"col.links", "koblinger", "links"},
    {"col.step", "trin", "step"},
    {"col.status", "status", "status"},
    {"col.owner", "ansvarlig", "owner"},
    {"col.due", "frist", "due"},
    {"col.overdue", "overskredet", "overdue"},
    {"col.outcome", "resultat", "outcome"},
    {"col.updated", "opdateret", "updated"},
    {"col.meeting", "møde", "meeting"},
    {"col.addresses", "adresserer udfordringer", "addresses challenges"},
    {"col.uses", "bruger ressourcer", "uses resources"},
    {"col.name", "navn", "name"},
    {"col.form", "samarbejdsform", "form of collaboration"},
    {"col.description", "beskrivelse", "description"},
    {"col.ties", "forbindelser", "ties"},
    {"yes", "ja", "yes"},
    {"no", "nej", "no"},
};

/* Stored values and their words. */
static const struct value {
  const char *field, *value, *da, *en;
} values[] = {
    {"kind", "resource", "ressource", "resource"},
    {"kind", "challenge", "udfordring", "challenge"},
    {"level", "area", "område", "area"},
    {"level", "group", "gruppe", "group"},
    {"status", "planned", "planlagt", "planned"},
    {"status", "running", "i gang", "running"},
    {"status", "done", "afsluttet", "done"},
    {"status", "evaluated", "evalueret", "evaluated"},
    {"step", "establish", "etablering", "establish"},
    {"step", "map", "kortlægning", "map"},
    {"step", "analyse", "analyse", "analyse"},
    {"step", "act", "indsats", "act"},
    {"form", "exchange", "udvekslingsfællesskab", "exchange"},
    {"form", "partnership", "partnerskab", "partnership"},
    {"form", "co-creation", "reel samskabelse", "co-creation"},
    {"track", "area", "områdemøde", "area meeting"},
    {"track", "core", "kerneteam", "core team"},
    {"link", "answers", "kan imødekomme", "can answer"},
    {"link", "addresses", "adresserer", "addresses"},
    {"link", "uses", "bruger", "uses"},
};

int docwords_lang(const char *s, enum doc_lang *lang) {
  if (strcmp(s, "da") == 0) {
    *lang = DOC_DA;
    return 0;
  }
  if (strcmp(s, "en") == 0) {
    *lang = DOC_EN;
    return 0;
  }
  return -1;
}

const char *docwords(enum doc_lang lang, const char *key) {
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (strcmp(words[i].key, key) == 0) return lang == DOC_EN ? words[i].en : words[i].da;
  assert(!"docwords: unknown key");
  return key;
}

const char *docwords_value(enum doc_lang lang, const char *field, const char *value) {
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
    if (strcmp(values[i].field, field) == 0 && strcmp(values[i].value, value) == 0)
      return lang == DOC_EN ? values[i].en : values[i].da;
  return value;
}

int docwords_count(void) { return (int)(sizeof words / sizeof words[0]); }

const char *docwords_key(int i) {
  return i >= 0 && i < docwords_count() ? words[i].key : NULL;
}
