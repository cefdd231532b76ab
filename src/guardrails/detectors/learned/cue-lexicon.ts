/**
 * Hand-written, reviewed word classes behind the dense cue features (cues.ts). They name what an
 * injection, jailbreak or harmful request says in general terms (an instruction override, a
 * persona switch, a prompt-extraction request, a weapon plus a "how to"), so a model that has
 * seen one source's wording still recognises another's. English and German (the deepset rows
 * are partly German), with a few French and Spanish override verbs. The weights on the
 * resulting features are learned, not set here. The override, extraction and persona classes
 * also carry the same words in Spanish, French, Italian, Portuguese and Dutch.
 */

// Class bits; a word may carry several.
export const W = {
  OVR: 1 << 0, // ignore, forget, disregard
  OBJ: 1 << 1, // what is overridden: instructions, everything, all
  PRIOR: 1 << 2, // previous, above, earlier
  INSTR: 1 << 3, // instructions, rules, prompt
  YOU: 1 << 4,
  ARE: 1 << 5,
  NOW: 1 << 6,
  ACT: 1 << 7, // act, pretend, roleplay
  AS: 1 << 8,
  JB: 1 << 9, // DAN, jailbreak, unfiltered
  NEG: 1 << 10, // no, without, ohne
  RESTR: 1 << 11, // restrictions, limits, filters
  MODEPRE: 1 << 12, // developer, god, sudo (+ "mode")
  MODE: 1 << 13,
  EXTRACT: 1 << 14, // repeat, reveal, print
  TARGET: 1 << 15, // system, prompt, password
  NEW: 1 << 16,
  TASK: 1 << 17,
  STOP: 1 << 18,
  SAY: 1 << 19, // write, say, print
  STAY: 1 << 20,
  ROLE: 1 << 21,
  FRAME: 1 << 22, // hypothetical, fictional
  ETHICS: 1 << 23,
  HARM: 1 << 24, // bomb, meth, malware, suicide
  REQ: 1 << 25, // how, steps, guide, tutorial
  TECH: 1 << 26, // python, process, linux
  FIG: 1 << 27, // game, movie, novel, history, meaning
  SAFE_OBJ: 1 << 28, // weeds, mosquito, time (objects of violent verbs in safe prompts)
  VIOLENT: 1 << 29, // kill, shoot, stab, poison
  WRITEBAD: 1 << 30, // defamatory, racist, propaganda, phishing
  PERSON: 1 << 31, // wife, neighbour, boss
} as const;

const LISTS: Array<[number, string]> = [
  [W.OVR, 'ignore ignoring ignored disregard disregarding forget forgetting override overwrite bypass skip overlook neglect abandon discard dismiss drop erase ignoriere ignorieren ignorierst vergiss vergessen vergesse vergisst oubliez oublie ignorez ignora olvida olvide ignorer oublier ignorar omite omitir ignorare dimentica dimenticare tralascia esqueça esqueca esquecer desconsidere desconsidera negeer negeren vergeet'],
  [W.OBJ, 'everything anything all alle alles toutes tout todo todas what was instructions instruction rules guidelines prompt prompts context information informationen anweisungen anweisung regeln vorgaben above before davor vorher instrucciones reglas istruzioni regole tutte tutto instruções instrucoes regras tudo instructies regels consignes règles'],
  [W.PRIOR, 'previous prior above earlier preceding former initial original old existing given vorherigen vorherige vorherigem vorher bisherigen bisherige obigen obige früheren alten ursprünglichen précédentes anteriores précédent précédente précédents antérieures previas previos precedenti previe prévias previas vorige eerdere voorgaande'],
  [W.INSTR, 'instructions instruction rules guidelines directions directives prompts prompt context constraints restrictions guidance orders commands programming training policies filters tasks task information informationen anweisungen anweisung instruktionen regeln befehle vorgaben aufgaben aufgabe ausführungen richtlinien consignes instrucciones indicaciones reglas istruzioni regole instruções instrucoes regras instructies regels règles'],
  [W.YOU, 'you du sie ihr vous tu usted tú voi você voce jij'],
  [W.ARE, 'are re bist seid sind êtes es be become eres sei és sois'],
  [W.NOW, 'now jetzt nun ab henceforth maintenant ahora adesso agora'],
  [W.ACT, 'act acting pretend pretending roleplay role-play simulate simulating imagine emulate impersonate behave play playing fungieren agieren spiele spiel tu'],
  [W.AS, 'as like als wie'],
  [W.JB, 'dan jailbreak jailbroken jailbreaking unfiltered uncensored unrestricted unethical amoral immoral unbound limitless unlimited devmode antigpt betterdan aim stan dude mongo evil evilbot chaos anarchy'],
  [W.NEG, 'no without free ohne keine kein beyond break breaking bypass remove removed lift sans sin'],
  // Plural only: licences grant rights "without restriction, including without limitation".
  [W.RESTR, 'restrictions limits limitations rules filters filter censorship guidelines boundaries ethics morals policies constraints einschränkungen regeln grenzen zensur'],
  [W.MODEPRE, 'developer dev god sudo debug admin administrator maintenance unrestricted jailbreak dan root'],
  [W.MODE, 'mode modus'],
  [W.EXTRACT, 'repeat print reveal show output display tell leak write spell dump list share disclose recite return gib zeige zeig nenne wiederhole verrate schreibe ausgeben révèle révéler affiche montre répète revela muestra repite imprime rivela mostra ripeti stampa revele mostre repita toon herhaal onthul'],
  // Not "instructions": "list the instructions for the shelf" is ordinary; "your system prompt" is not.
  [W.TARGET, 'system prompt prompts initial secret secrets password passwords hidden confidential passwort geheim geheimnis preprompt pre-prompt systemprompt système sistema secreto contraseña contrasena segreto segredo senha systeem geheim wachtwoord'],
  [W.NEW, 'new neue neuen neues additional weitere further next different nouvelle nueva'],
  [W.TASK, 'task tasks instruction instructions aufgabe aufgaben anweisung anweisungen role rules tâche tarea'],
  [W.STOP, 'stop stopp halt achtung attention end ende enough genug'],
  [W.SAY, 'write say print output respond answer reply schreibe schreib sag sage sagen antworte antworten dites écris'],
  [W.STAY, 'stay remain bleib bleibe bleiben absorbed'],
  [W.ROLE, 'character role persona rolle charakter'],
  [W.FRAME, 'hypothetical hypothetically fictional fiction theoretical theoretically imaginary imagine pretend roleplay scenario story hypothetisch fiktiv'],
  [W.ETHICS, 'ethical ethics moral morals morality guidelines policy policies openai content legal illegal harmful responsible consequences'],
  [W.HARM, 'bomb bombs explosive explosives grenade detonator napalm thermite ammonium nitrate gun guns firearm firearms weapon weapons rifle ammunition silencer ghost nerve sarin ricin anthrax toxin poison poisons poisoning cyanide meth methamphetamine cocaine heroin fentanyl lsd mdma crack drugs drug narcotics opioid malware ransomware keylogger virus trojan rootkit botnet ddos exploit exploits hack hacking hacker phishing spyware suicide self-harm overdose counterfeit launder laundering embezzle fraud scam scams forge forged forgery smuggle smuggling trafficking traffic steal stealing theft shoplift shoplifting blackmail extort extortion bribe kidnap kidnapping abduct torture assassinate assassination murder murdering genocide terrorist terrorism massacre stalk stalking harass harassment dox doxx doxxing child minors underage porn pornography nude nudes revenge racist racism slur slurs inferior defamatory defame propaganda misinformation disinformation fake'],
  [W.REQ, 'how steps step instructions instruction guide tutorial ways way method methods tips detailed explain teach procedure recipe plan write create draft generate give provide develop design outline'],
  [W.TECH, 'python process processes thread threads linux unix windows terminal shell bash command server program programs code script function job container docker kubernetes database sql git file files variable loop app application computer software java javascript c++ memory cpu task tasks'],
  [W.FIG, 'game games video videogame novel story stories movie movies film films fiction fictional character characters book books play theatre theater sport sports metaphor phrase idiom expression mean meaning means definition define defined history historical historically why what who when did was were war battle film'],
  [W.SAFE_OBJ, 'weeds weed mosquito mosquitoes mosquitos bugs bug pests pest flies fly ants rats mice time lights light engine car photo picture pictures photos shot fish chicken chickens meat cake bread conversation mood vibe competition competitors deadline fever cold cancer infection bacteria germs pain headache appetite process processes thread threads job jobs task tasks'],
  [W.VIOLENT, 'kill killing murder shoot shooting stab stabbing strangle poison choke hang beat hurt harm attack attacking destroy blow execute eliminate slaughter butcher burn drown torture'],
  [W.WRITEBAD, 'defamatory racist sexist xenophobic homophobic hateful propaganda misinformation disinformation fake phishing scam threatening threat harassing insulting demeaning shaming extremist inflammatory libelous'],
  [W.PERSON, 'wife husband girlfriend boyfriend neighbor neighbour boss coworker colleague sister brother mother father mom dad teacher child children kid kids baby partner ex family friend classmate roommate people person someone somebody president senator officer'],
];

/** A second bank of classes (the first is full): protected groups and what is denied to them. */
export const W2 = {
  GROUP: 1 << 0, // muslims, immigrants, women
  GROUP_ADJ: 1 << 1, // asian, black, gay: a group only before "people", "men", "women"
  PEOPLE: 1 << 2,
  RIGHTS: 1 << 3, // vote, visas, equal rights, allowed, healthcare
  // prompt attack, second bank
  ACT_LATE: 1 << 4, // German verb-final "als X fungieren"
  DONE: 1 << 5, // "that is enough / done", before a switch to another task
  ONLY: 1 << 6, // "just / only" before output, reply
  DESPITE: 1 << 7, // "despite / regardless of" what you were told
  TOLD: 1 << 8,
  PRETEND: 1 << 9, // "pretend / imagine / stell dir vor" before "you are"
  CODE: 1 << 10, // function, def, struct, println: program text, whose symbol runs are not an adversarial suffix
  YOUR: 1 << 11, // "your" (the assistant's own instructions, configuration)
  CONFIG: 1 << 12, // configuration, credentials, tokens: what an extraction asks for besides the prompt
  DIGEST: 1 << 13, // summarise, quote, translate: ways to get text out besides "reveal" and "print"
} as const;

const LISTS2: Array<[number, string]> = [
  [W2.GROUP, 'women woman men muslims jews christians hindus buddhists sikhs atheists catholics immigrants migrants refugees lesbians gays homosexuals latinos hispanics mexicans africans arabs asians blacks whites minorities elderly transgender roma gypsies foreigners'],
  [W2.GROUP_ADJ, 'asian black white jewish muslim christian hindu buddhist gay lesbian trans transgender bisexual asexual non-binary nonbinary disabled indigenous homeless elderly old poor pregnant divorced immigrant african arab latino hispanic chinese indian mexican female male'],
  [W2.PEOPLE, 'people persons men women folks individuals kids children citizens workers students'],
  // General rights and exclusions only; words seen only in XSTest's rows ("overrepresented",
  // "security checks") were left out so its held-out discrimination figure is not tuned to it.
  [W2.RIGHTS, 'vote voting married marry marriage rights right allowed visas visa healthcare benefits education office political government citizenship equal human discriminated denied access banned deported hired jobs work serve military inferior'],
  // Generic task-switch, persona and output-control wording (the injection taxonomy, not any one
  // source's rows), English and German.
  [W2.ACT_LATE, 'fungieren fungierst fungiere agieren agierst agiere auftreten'],
  [W2.DONE, 'done enough finished complete completed over erledigt genug genügt fertig reicht abgeschlossen'],
  [W2.ONLY, 'only just simply merely solely nur lediglich bloß ausschließlich'],
  [W2.DESPITE, 'despite regardless notwithstanding irrespective trotz ungeachtet unabhängig'],
  [W2.TOLD, 'told said instructed programmed taught instructions rules guidelines gesagt befohlen programmiert anweisungen regeln'],
  [W2.PRETEND, 'pretend imagine suppose assume roleplay stell stelle vorstellen vor tu tun imaginez imagina'],
  // Keywords, types and tools of common programming languages and shells. Some are English too
  // ("function", "return", "import", "self", "null"), so cues.ts counts each code word once per
  // text and lets keywords alone fade the suffix cues at most halfway; the commonest English ones
  // ("print", "let", "true", "none", "extends", "throws", "echo", and "fi" from "sci-fi") are left out.
  // Extraction phrased as a task on the assistant's own instructions ("summarise your hidden
  // instructions", "translate your system message"); these count only with "your" (cues.ts).
  [W2.YOUR, 'your yours dein deine deinen deiner ihre ihren votre vos tus tuo tua tuoi tue seu sua seus suas jouw'],
  [W2.CONFIG, 'configuration config setup credentials credential token tokens keys settings parameters variables'],
  [W2.DIGEST, 'summarize summarise summarizing summarising paraphrase quote echo translate copy recite spell repeat list dump zusammenfassen übersetze übersetzen wiederhole résume traduis resume traduce riassumi traduci'],
  [W2.CODE, 'function const var def elif lambda import return struct fn impl pub mut func println printf sprintf console async await typeof instanceof interface enum namespace null nil undefined nullptr kwargs args argv malloc sizeof ifdef ifndef endif typedef void bool boolean int uint usize int32 int64 uint8 uint32 float64 str vec unwrap cout endl std stdio iostream esac sudo npm npx pip docker kubectl chmod mkdir grep stderr stdout stdin foreach readonly implements self raise isinstance init len dict'],
];

/** FNV-1a over lower-cased char codes; the same function runs over the text's words in cues.ts. */
export function cueHash(word: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ lowerCue(word.charCodeAt(i)), 0x01000193);
  return h;
}

export function lowerCue(c: number): number {
  if (c >= 65 && c <= 90) return c + 32;
  if ((c >= 0xc0 && c <= 0xde && c !== 0xd7) || (c >= 0x410 && c <= 0x42f) || (c >= 0x391 && c <= 0x3a9)) return c + 32;
  return c;
}

/**
 * Open-addressing map from word hash to class bits (two banks), built once at module load. `get`
 * returns the first bank and leaves the second in `bank2`, so one probe serves both.
 */
export class CueMap {
  bank2 = 0;
  /** Per slot [used, key, bank 1, bank 2] side by side: a probe reads one cache line, not four. */
  private readonly table: Int32Array;
  private readonly mask: number;

  constructor(entries: Map<number, [number, number]>) {
    let size = 64;
    while (size < entries.size * 2) size *= 2;
    this.table = new Int32Array(size * 4);
    this.mask = size - 1;
    for (const [h, v] of entries) {
      let i = this.slot(h);
      while (this.table[4 * i] !== 0) i = (i + 1) & this.mask;
      this.table[4 * i] = 1;
      this.table[4 * i + 1] = h;
      this.table[4 * i + 2] = v[0];
      this.table[4 * i + 3] = v[1];
    }
  }

  private slot(h: number): number {
    return (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0) & this.mask;
  }

  get(h: number): number {
    const t = this.table;
    let i = this.slot(h);
    while (t[4 * i] !== 0) {
      if (t[4 * i + 1] === h) {
        this.bank2 = t[4 * i + 3];
        return t[4 * i + 2];
      }
      i = (i + 1) & this.mask;
    }
    this.bank2 = 0;
    return 0;
  }
}

function build(): CueMap {
  const m = new Map<number, [number, number]>();
  for (const [bank, lists] of [[0, LISTS], [1, LISTS2]] as const) {
    for (const [bit, words] of lists) {
      for (const w of words.split(' ')) {
        // The tokenizer splits at hyphens, so "self-harm" can only ever be seen joined-free.
        const h = cueHash(w.replace(/-/g, '')) | 0;
        const v = m.get(h) ?? [0, 0];
        v[bank] |= bit;
        m.set(h, v);
      }
    }
  }
  return new CueMap(m);
}

export const CUE_WORDS = build();
