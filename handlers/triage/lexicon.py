"""The curated phrase lexicon: for each label, the phrases that decide it, with a weight.

Matched on lower-cased text with plain quotes. A phrase preceded closely by a negation ("I am
not asking you to delete", "don't close my account") does not count. The weights are added to
the linear model's scores (``handlers.triage.classifier``), so a phrase tips the balance rather
than deciding alone. Data, not logic: this module is long on purpose.

Marketing opt-outs: an unsubscribe or "stop emailing me" is ``consent``. Electronic marketing
needs consent under PECR reg 22 and withdrawing it must be as easy as giving it (UK GDPR Art
7(3)); the SPEC lists ``consent`` as "withdraw consent / marketing opt-out". A person who says
they *object* (Art 21(2)-(3): the absolute right to object to direct marketing, or Art 21(1)
to processing on legitimate interests or profiling) is ``objection``. Both take effect at once.
"""

from __future__ import annotations

_OBJ = r"(?:data|information|info|details|personal data|personal information)"
_MY = r"(?:my|all my|all of my|any of my|our|my son's|my daughter's|my child's)"

LEXICON: dict[str, tuple[tuple[float, str], ...]] = {
    "access": (
        (
            2.5,
            r"(?:request|requesting|want|like|ask for|need|seek) (?:access to|to access|to see|a copy of) (?:my|all my|all of my|the) (?:personal )?(?:data|information|info|records|file|files|details)",
        ),
        (
            2.0,
            r"cop(?:y|ies) of (?:all |any |everything )?(?:the )?(?:personal )?(?:data|information|info|details|records|notes|files|letters)",
        ),
        (
            2.0,
            r"(?:footage|video|recording|photos?|images?|pictures?) (?:of me|that shows me|showing me)|it shows me|(?:cctv|dashcam|dash-cam|bodycam|body-cam|camera|doorbell) (?:footage|video|recording|images)",
        ),
        (
            2.0,
            r"what (?:data|info|information|stuff|details) (?:do |have )?(?:u|ya|you guys|you lot) (?:have|hold|got|keep)",
        ),
        (2.0, r"what (?:you've|you have|you) got on me"),
        (
            1.5,
            r"(?:a )?list of (?:all )?(?:the )?(?:companies|organisations|organizations|third parties|people) (?:you|that you|who)",
        ),
        (3.0, r"subject access request(?!s)"),
        (3.0, r"\bd?sar\b(?!s)"),
        (2.5, r"\bart(?:icle|\.)? ?15\b"),
        (2.5, r"right (?:of|to) access"),
        (2.0, rf"(?:a |full |complete )?cop(?:y|ies) of {_MY} (?:personal )?{_OBJ}"),
        (
            2.0,
            rf"cop(?:y|ies) of (?:all |any )?(?:the )?(?:personal )?{_OBJ} (?:you|that you|which you|your \w+) (?:hold|have|keep|store|process)",
        ),
        (
            2.0,
            rf"(?:all|any|every|what)(?:thing)? (?:the )?(?:personal )?{_OBJ}? ?(?:you|your company|your organisation|that you|which you) (?:currently )?(?:hold|have|keep|store|process|collected)",
        ),
        (
            2.0,
            r"everything (?:you|your company) (?:have|hold|know|store|keep)(?: got)? (?:on|about) (?:me|us)",
        ),
        (2.0, r"what (?:do )?you (?:know|have|hold) (?:on|about) me"),
        (2.0, rf"what (?:personal )?{_OBJ} (?:do )?you (?:hold|have|keep|store|process)"),
        (
            1.5,
            rf"(?:see|view|obtain|get|access|request|receive) (?:a copy of )?{_MY} (?:personal )?(?:{_OBJ}|records|file|files)",
        ),
        (1.5, r"(?:call|phone|voice) recordings?"),
        (1.5, r"cctv (?:footage|images|recording)"),
        (
            1.5,
            r"cop(?:y|ies) of (?:any |all )?(?:the )?(?:emails|documents|notes|records|messages|files|correspondence)",
        ),
        (1.5, r"where (?:did|do) you get my"),
        (
            1.5,
            r"(?:who|which (?:third parties|companies|organisations)) (?:have|has|did) you (?:shared|share|give|given|sold|passed)",
        ),
        (1.5, r"(?:the )?recipients (?:to whom|of my)"),
        (1.5, r"purposes of (?:the )?processing"),
        (1.0, r"send me (?:all|everything|a copy)"),
        (
            1.0,
            r"(?:my|the) (?:personnel|hr|medical|patient|school|student|employment|case) (?:file|records?)",
        ),
    ),
    "rectification": (
        (
            2.0,
            r"(?:needs|need) (?:to be )?(?:updating|updated|correcting|corrected|changing|changed|fixing|fixed)|(?:fix|update|correct|amend) (?:your|the) (?:records|files|file|system|database|details)",
        ),
        (
            1.5,
            r"(?:recorded|listed|shown|registered|got me down|have me down|entered) as\b|\bit should (?:be|say|read)\b|\bshould (?:say|read)\b",
        ),
        (
            2.0,
            r"\b(?:corrected|amended|rectified)\b|put (?:it|this|that|them) right|sort out my (?:details|records|address|name)",
        ),
        (
            2.0,
            r"(?:false|untrue|misleading|wrong) (?:information|statement|record|entry|impression)",
        ),
        (
            1.5,
            r"(?:records|details|files?) (?:are|is|got) (?:a mess|mixed up|muddled|confused)|mixed up",
        ),
        (
            1.5,
            r"(?:says|say|lists|shows|has me down as|got me down as|think|thinks) (?:that )?i (?:am|was|live|have|had|missed|owe)",
        ),
        (3.0, r"rectif(?:y|ied|ication)"),
        (2.5, r"\bart(?:icle|\.)? ?16\b"),
        (
            2.0,
            r"(?<!this )(?<!that )(?<!it )\b(?:is|are|was|were) (?:wrong|incorrect|inaccurate|out of date|outdated|not correct|not accurate|misspelt|misspelled)",
        ),
        (
            2.0,
            r"(?:wrong|incorrect|inaccurate|outdated|old) (?:name|address|date of birth|dob|email|phone|number|details|information|spelling|surname|title|record|entry)",
        ),
        (
            2.0,
            rf"(?:correct|fix|amend|update|change) (?:the |my |our )?(?:name|surname|address|date of birth|email|phone number|details|record|records|entry|spelling|title|gender|{_OBJ})",
        ),
        (1.5, r"(?:misspelt|misspelled|spelt wrong|spelled wrong|typo in)"),
        (
            1.5,
            r"(?:no longer live|moved house|have moved|new address|changed my name|got married|my name is now)",
        ),
        (
            1.5,
            r"(?:mistake|error|errors|mistakes) (?:in|on) (?:my|the) (?:record|records|file|account|profile|report|details)",
        ),
        (1.5, r"(?:please )?(?:correct|amend) (?:this|it|them)"),
        (1.0, r"\binaccura(?:te|cy|cies)\b"),
        (1.0, r"(?:supplementary statement|complete the record|incomplete)"),
    ),
    "erasure": (
        (
            2.0,
            r"(?:take|taking) (?:my|our|his|her|the) (?:name|photo|details|picture|profile|video|review|post)s? (?:off|down|out of)",
        ),
        (
            1.5,
            r"\b(?:is|are|be) (?:removed|deleted|erased|taken down)\b|remove (?:them|it|this|that|those|the profile|the page)\b",
        ),
        (
            3.0,
            r"(?:delete|erase|remove|destroy|purge) (?:all |any )?(?:of )?(?:the )?(?:personal )?(?:data|information|details|records) (?:that |which )?(?:you|your company) (?:hold|have|keep|store)",
        ),
        (
            2.5,
            r"\b(?:it|them|this|that|everything|all of it|the lot|all)(?: all)? (?:deleted|erased|removed|wiped|gone|destroyed|taken down)\b",
        ),
        (2.0, r"\bnuke\b|\berased\b"),
        (3.0, r"\berasure\b"),
        (3.0, r"right to (?:be forgotten|erasure|deletion)"),
        (2.5, r"\bart(?:icle|\.)? ?17\b"),
        (
            2.5,
            r"(?:delete|erase|remove|wipe|destroy|purge|scrub) (?:all |any |every )?(?:of )?(?:my|me|everything|our|his|her|all trace|the (?:personal )?(?:data|information|details|photos?|pictures?|videos?|account))",
        ),
        (2.5, r"delete (?:my|the) account"),
        (
            2.0,
            r"(?:close|cancel|deactivate|terminate) (?:my|the) account (?:and|&) (?:delete|remove|erase|wipe)",
        ),
        (
            2.0,
            r"remove me (?:completely )?from (?:your|the|all) (?:database|databases|system|systems|records|servers|website|site|platform|directory|search)",
        ),
        (
            2.0,
            r"\b(?:deleted|erased|removed|wiped|destroyed)\b(?: \w+){0,3} (?:permanently|completely|entirely|for good|from your (?:systems?|records|database|servers))",
        ),
        (1.5, r"(?:get rid of|take down|taken down) (?:my|the|all|every)"),
        (1.5, r"forget (?:me|about me)|\bforgotten\b"),
        (1.5, r"\bdeletion\b"),
        (1.0, r"no longer (?:want|wish) (?:you )?to (?:have|hold|keep) (?:my|any)"),
    ),
    "restriction": (
        (
            2.5,
            r"(?:hold|keep|store|retain|preserve) (?:my data|my information|my records|it|them|the \w+)[^.]{0,50}(?:don't|do not|but not|not to|nobody|no one|make sure nobody) (?:process|use|uses|do anything|share|touch)",
        ),
        (
            2.0,
            r"only (?:store|keep|hold|retain) (?:it|them|my data|my information)|(?:nobody|no one) (?:uses|use|touches|accesses) (?:it|them)",
        ),
        (1.5, r"\b(?:paused?|preserve|preserved)\b"),
        (
            2.5,
            r"(?:until|while|whilst|pending) (?:my |the |your |this )?(?:complaint|appeal|dispute|objection|claim|case|tribunal|investigation|grievance)",
        ),
        (
            2.0,
            r"(?:don't|do not) (?:process|use) (?:it|them|my data),? (?:(?:and|but|or) )?(?:don't|do not) (?:delete|erase|wipe)",
        ),
        (
            2.0,
            r"until (?:it's|it is|this is|that is|the \w+ (?:is|has been)|you've|you have|my \w+ (?:has|is)|we've|we have)(?: been)? (?:resolved|sorted|reviewed|decided|finished|concluded|checked|settled|investigated)",
        ),
        (2.0, r"(?:while|whilst) you (?:look at|consider|review|investigate|check|verify|decide)"),
        (1.5, r"\bon ice\b|\bno deleting\b"),
        (3.0, r"\brestrict(?:ion|ed|ing|s)?\b"),
        (2.5, r"\bart(?:icle|\.)? ?18\b"),
        (
            2.5,
            rf"(?:stop|pause|suspend|halt|freeze|limit) (?:all )?(?:processing|using|the (?:use|processing))(?: of)?(?: {_MY} {_OBJ})? (?:until|while|whilst|pending)",
        ),
        (
            2.0,
            r"(?:do not|don't|please don't|must not) (?:delete|destroy|erase|wipe|shred|get rid of)\b.{0,60}(?:claim|tribunal|court|legal|evidence|solicitor|need it|need them)",
        ),
        (
            2.0,
            r"(?:keep|retain|preserve|hold on to) (?:my |the |this )?(?:data|information|records|footage|emails|it|them) but (?:do not|don't|stop)",
        ),
        (
            2.0,
            r"(?:freeze|put a hold on|put on hold|lock|block) (?:my|the) (?:data|information|records|file|account)",
        ),
        (1.5, r"(?:only )?(?:store|keep) (?:it|my data|them) (?:and|but) (?:not|nothing else)"),
        (
            1.5,
            r"(?:until|while|whilst) (?:you|the) (?:check|verify|investigate|resolve|confirm|decide|complaint|appeal|dispute|objection)",
        ),
        (1.0, r"\bpending (?:the|my|your)\b"),
        # Keep it, but do nothing with it: no legal words needed.
        (
            2.5,
            r"(?:stop|pause|suspend|halt) (?:using|processing) (?:it|them|my \w+)[^.]{0,40}(?:but|though|however)?[^.]{0,20}(?:don't|do not|not|never) (?:delete|erase|destroy|wipe|get rid of)",
        ),
        (
            2.5,
            r"(?:don't|do not|not|never) (?:delete|erase|destroy|wipe|get rid of) (?:it|them|anything|my \w+)[^.]{0,30}(?:but|just|only)[^.]{0,30}(?:stop|don't|do not|not) (?:use|using|process|processing|share|sharing)",
        ),
        (2.0, r"\b(?:suspend|freeze|limit|pause)(?:s|d|ing)? (?:the )?(?:processing|use) of\b"),
        (
            2.0,
            r"(?:mark|flag) (?:it|them|my (?:record|file|account|data)) as (?:disputed|contested)",
        ),
    ),
    "portability": (
        (
            2.0,
            r"(?:as|in|into) (?:a|some|one) (?:file|download)|(?:another|a different|a new|my new) (?:app|platform|provider|supplier|bank|service|crm|system|gp|company|insurer|phone|e-?reader)",
        ),
        (
            1.5,
            r"software can (?:read|import|open)|take (?:my data|it|them) with me|(?:straight|directly) to",
        ),
        (3.0, r"portab(?:le|ility)"),
        (2.5, r"\bart(?:icle|\.)? ?20\b"),
        (2.5, r"machine[- ]?readable"),
        (2.0, r"structured,? commonly[- ]used"),
        (2.0, r"\b(?:csv|json|xml|spreadsheet|excel)\b"),
        (
            2.0,
            rf"(?:transfer|transmit|send|move|port|migrate) (?:all )?(?:{_MY} )?(?:{_OBJ}|it|them|account|history|records|files|photos|playlists|contacts)? ?(?:directly )?(?:over )?to (?:another|a new|my new|a different|the new|[a-z]+ (?:bank|provider|energy|company))",
        ),
        (
            2.0,
            r"(?:export|download) (?:all )?(?:of )?(?:my|our) (?:data|information|account|history|photos|contacts|files|playlists|workouts|transactions)",
        ),
        (
            1.5,
            r"(?:switch|switching|moving|changing) (?:to )?(?:a new |another |to a different )?(?:provider|supplier|bank|service|platform|app)",
        ),
        (1.5, r"(?:format|file) (?:i|that i|which i) can (?:import|upload|use|open|load)"),
        (1.0, r"\bimport\b"),
    ),
    "objection": (
        (
            2.5,
            r"opt out of (?:the |any |all )?(?:data sharing|sharing|analytics|profiling|research|tracking)",
        ),
        (2.0, r"(?:build|create|make) (?:a )?profiles? (?:of|about|on) me|\bstatistics?\b"),
        (
            2.0,
            r"(?:don't|do not|please don't|stop|never) (?:use|using|process|processing) my \w+(?: \w+)? (?:to|for) ",
        ),
        (3.0, r"\bobject(?:ion|ing)? to\b"),
        (3.0, r"right to object"),
        (2.5, r"\bart(?:icle|\.)? ?21\b"),
        (2.0, r"legitimate interests?"),
        (2.0, r"\bprofiling\b"),
        (
            2.0,
            rf"(?:stop|cease|quit) (?:using|processing|analysing|analyzing|tracking|sharing|selling) {_MY} {_OBJ}? ?(?:for|to|with)",
        ),
        (
            2.0,
            rf"(?:don't|do not|no longer) (?:want|wish|agree|allow) (?:you to |for you to )?(?:use|using|process|processing|share|sharing|sell|selling|analyse) {_MY} {_OBJ}",
        ),
        (1.5, r"(?:stop|cease) (?:tracking|monitoring|analysing|profiling) me"),
        (
            1.5,
            r"(?:research|analytics|statistics|advertising|targeted ads|personali[sz]ed ads|ad targeting|data brokers?|insurers?)",
        ),
        (
            1.5,
            r"(?:opt|take) me out of (?:the |your )?(?:research|study|analytics|profiling|tracking|data sharing|sharing|sale)",
        ),
        (
            1.5,
            r"(?:share|sharing|sell|selling|pass|passing) my (?:data|details|information) (?:with|to) (?:partners|third parties|advertisers)",
        ),
        (1.0, r"direct marketing"),
    ),
    "automated": (
        (
            2.0,
            r"(?:filtered|screened|sifted|weeded) out|screening (?:tool|software|system)|manual review|(?:how|who) (?:was|is) (?:this|that|it) decided|(?:can|could) a (?:person|human|real person) (?:look|check|review)|(?:has|had) decided (?:i|that i|i'm)",
        ),
        (
            2.5,
            r"\b(?:rejected|declined|refused|refuse|denied|flagged|banned|blocked|suspended|closed|removed|cancelled|locked|frozen|deactivated) (?:me )?automatically\b",
        ),
        (2.0, r"(?:system|algorithm|computer|software|machine) (?:decides|decided)"),
        (
            2.5,
            r"(?:want|like|need|ask for|request|have) (?:a |an |some )?(?:real |actual )?(?:person|human|someone|somebody|member of staff|underwriter|manager)(?: real)? (?:to )?(?:review|look|check|reconsider|decide|see)",
        ),
        (
            2.0,
            r"\breconsider(?:ed|ation)?\b|decision engine|proctoring|did not meet the criteria|auto-?(?:rejected|declined|banned|refused)",
        ),
        (
            1.5,
            r"(?:software|system|app|website|platform|bot) (?:said|decided|marked|refused|refuse|rejected|declined|froze|blocked|locked|closed|flagged)",
        ),
        (
            3.0,
            r"automat(?:ed|ic) (?:decision|processing|individual decision|rejection|refusal|assessment|scoring|check|system|process)",
        ),
        (3.0, r"\bart(?:icle|\.)? ?22a?\b|\b22a\b"),
        (
            2.5,
            r"\bautomatically (?:rejected|declined|refused|denied|flagged|banned|blocked|suspended|closed|scored|removed|marked|cancelled|disqualified|sorted|screened|filtered)",
        ),
        (
            2.5,
            r"human (?:review|intervention|being|reviewer|look|decision|to review|to look|check)|(?:real|actual) (?:person|human)",
        ),
        (2.0, r"\balgorithm(?:s|ic)?\b|\bai\b|artificial intelligence|\bmachine learning\b"),
        (
            2.0,
            r"(?:computer|machine|software|system|bot|robot) (?:said no|decided|rejected|declined|flagged|made (?:the|this|that) decision)",
        ),
        (2.0, r"(?:credit|risk|fraud|trust) scor(?:e|ing)"),
        (2.0, r"(?:the )?logic (?:involved|behind|used)"),
        (
            2.0,
            r"(?:contest|challenge|appeal) (?:the|this|that) (?:decision|rejection|refusal|ban|suspension)",
        ),
        (
            1.5,
            r"(?:within|after|in) (?:a few |about |just )?(?:seconds|minutes|\d+ (?:seconds|minutes))",
        ),
        (
            1.5,
            r"\b(?:instantly|immediately) (?:rejected|declined|refused|denied|flagged|banned|suspended)",
        ),
        (1.5, r"flagged (?:as|for) (?:spam|fraud|fraudulent|suspicious|high risk|a bot)"),
        (1.0, r"\bno (?:one|human|person) (?:looked|checked|reviewed)"),
    ),
    "consent": (
        (3.0, r"withdraw(?:ing|n)? (?:my |the |all )?(?:permission|agreement|approval)"),
        (
            2.5,
            r"(?:take|remove|delete|get) my (?:number|email|email address|mobile|mobile number|phone number|address) (?:off|from)",
        ),
        (
            2.0,
            r"(?:turn|switch) off (?:all )?(?:the )?(?:marketing|promotions|offers|newsletters?|emails)",
        ),
        (
            3.0,
            r"withdraw(?:ing)? (?:that|the|this) consent|(?:turn|switch) (?:that|this|the) (?:permission|consent)",
        ),
        (
            2.0,
            r"no more (?:calls|texts|emails|messages|marketing|offers|sms|post|letters|newsletters|promotions?)|\btps\b|not interested",
        ),
        (
            1.5,
            r"(?:remove|delete) my (?:number|email|email address|phone number|mobile)(?: from (?:your|the) (?:list|lists|database))?",
        ),
        (
            3.0,
            r"(?:withdraw|withdrawing|withdrawal of|revoke|revoking|retract|cancel) (?:my |all |any )?consent",
        ),
        (2.5, r"(?:no longer|do not|don't|do no longer) (?:give |want to give )?(?:my )?consent"),
        (2.5, r"\bunsubscrib(?:e|ed|ing)\b"),
        (
            2.5,
            r"\bopt(?:ing)? (?:me )?out\b(?! of (?:the |your )?(?:research|study|analytics|profiling|tracking|data sharing|sharing|sale))",
        ),
        (
            2.0,
            r"(?:stop|quit|cease) (?:sending|emailing|texting|calling|messaging|contacting|phoning|spamming|mailing)(?: me)?",
        ),
        (
            2.0,
            r"remove me from (?:your |the |all )?(?:mailing|marketing|email|emailing|newsletter|contact|distribution|sms|call|calling|promotional)",
        ),
        (2.0, r"(?:take|get) me off (?:your|the|all)"),
        (2.0, r"(?:do not|don't|never) (?:contact|email|call|text|message|phone) (?:me|us)"),
        (2.0, r"\bart(?:icle|\.)? ?7\b"),
        (
            1.5,
            r"(?:marketing|promotional|sales) (?:emails?|texts?|messages?|calls?|communications?|material|mail|sms)",
        ),
        (1.5, r"\b(?:newsletters?|mailing list|spam|junk mail|nuisance calls?)\b"),
        (
            1.5,
            r"i (?:never|didn't|did not) (?:agree|sign up|signed up|subscribe|subscribed|consent|opt in|opted in)",
        ),
        (
            1.5,
            r"(?:untick|changed my mind|no longer (?:want|wish) to (?:receive|be contacted|take part|participate|be included))",
        ),
        # A permission given for one use, taken back: a photo, a story, a testimonial.
        (
            2.5,
            r"(?:stop|quit|cease) using (?:my|our|his|her|their|my (?:son|daughter|child)'s) (?:photos?|pictures?|images?|face|name|story|testimonial|quote|review|video|voice|recording|interview)",
        ),
        (
            2.0,
            r"(?:no longer|don't|do not) (?:agree|consent) to (?:you |your \w+ )?(?:using|use of|sending|sharing|contacting|keeping|receiving|being)",
        ),
        (
            2.5,
            r"(?:take|taking) (?:back|away) (?:my |that |the |this )?(?:permission|consent|agreement)|(?:permission|consent) (?:is |as )?withdrawn|(?:undo|reverse|cancel) (?:that|my|the) (?:permission|agreement|opt-in)",
        ),
        (
            1.5,
            r"(?:take|remove|get) (?:me|my \w+|this (?:number|address)) off (?:your|the|all|every) (?:\w+ )?(?:list|lists|mailing|database)",
        ),
    ),
    "complaint": (
        (
            2.0,
            r"(?:this|that|it) (?:is|was) (?:wrong|not right|unfair|a disgrace)|should (?:never|not) have (?:happened|been)|nobody (?:asked|told) me",
        ),
        (
            2.0,
            r"raise a concern|(?:not|isn't|is not) (?:acceptable|ok|okay|right|normal|allowed)|how is (?:this|that|it) (?:allowed|legal|ok)|\b(?:furious|livid|fuming|gutted)\b|how dare",
        ),
        (
            2.0,
            r"not (?:satisfied|happy) with|(?:who|what) gave (?:you|your \w+) (?:permission|the right)|without (?:asking|telling) (?:me|us)|(?:i was|we were) (?:not|never) told|you never told",
        ),
        (
            1.5,
            r"\bconfidential\b|\bcompensation\b|(?:an )?explanation and (?:an )?apology|(?:responsible|accountable) for this",
        ),
        (3.0, r"\bcomplain(?:t|ts|ing|ed)?\b"),
        (2.0, r"\bico\b|information commissioner"),
        (
            2.0,
            r"(?:unhappy|not happy|disappointed|dissatisfied|appalled|disgusted|furious|angry|outraged|upset|concerned) (?:with|about|by|at|that)",
        ),
        (
            2.0,
            rf"how (?:you|your (?:company|staff|organisation|team)) (?:have |has )?(?:handled|treated|used|processed|managed|shared|dealt with) {_MY}",
        ),
        (
            2.0,
            rf"(?:sent|shared|disclosed|gave|given|passed|leaked|posted|emailed|forwarded|showed) {_MY} (?:{_OBJ}|letter|email|file|records|address|results|photo|medical|payslip|bank)\b.{{0,40}}(?:to|with) (?:someone|somebody|another|the wrong|my (?:neighbour|ex|employer|boss|landlord|family)|a stranger|a third party|other)",
        ),
        (2.0, r"without my (?:permission|consent|knowledge|agreement)"),
        (
            2.0,
            r"(?:not|never|haven't|have not|still not|didn't|did not) (?:yet )?(?:responded|replied|answered|heard back|received a response|acknowledged)|still waiting|no (?:response|reply)|ignored|ignoring",
        ),
        (
            1.5,
            r"\b(?:unacceptable|outrageous|disgraceful|shocking|ridiculous|appalling|incompetent|negligent|careless|breach of my privacy|invasion of (?:my )?privacy)\b",
        ),
        (
            1.5,
            r"(?:you|your company|your staff) (?:leaked|lost|exposed|misused|mishandled|breached)",
        ),
        (
            1.5,
            r"(?:how|why) (?:did|has|have) (?:you|your \w+) (?:get|got|obtained|obtain|share|shared|sold|give|given)",
        ),
        (
            1.5,
            r"report (?:you|this|your company|the matter) to (?:the )?(?:ico|regulator|information commissioner)",
        ),
        (
            2.0,
            r"(?:unhappy|not happy|dissatisfied|disappointed|not satisfied) with (?:how|the way) (?:you|your \w+|my \w+)|(?:escalate|escalating) (?:this|my|the matter|it)",
        ),
        (
            2.0,
            r"(?:want|like) (?:this|it|the matter)(?: to be)? (?:investigated|looked into|taken seriously)|(?:want|like|ask for|request) (?:a |an )?(?:formal )?investigation|\bs(?:ection|\.)? ?164a\b",
        ),
    ),
    "breach": (
        (
            2.5,
            r"(?:given|sent|handed|received|posted) (?:the |a )?\w+(?: \w+)? (?:of|for|belonging to|meant for|intended for) (?:another|a different|someone else|the wrong)",
        ),
        (
            2.5,
            r"(?:laptop|stick|usb|file|files|folder|box|bag|phone|device|records|drive|paperwork|documents?|cabinet)\b[^.]{0,40}(?:is|was|are|were|has gone|have gone|went) missing|could see (?:other|another|someone else's) (?:customers?|users?|patients?|people|members?|clients?)|(?:wasn't|was not|isn't|not) encrypted",
        ),
        (
            2.0,
            r"(?:uploaded|posted|shared|published) (?:\w+ ){0,4}(?:to|on|in) (?:the |a |our )?public|external guests|\bhad a bug\b",
        ),
        (3.0, r"\bransomware\b|\bmalware\b|\bencrypted (?:our|the|all)\b"),
        (
            3.0,
            r"(?:laptop|phone|tablet|ipad|usb|memory stick|hard drive|bag|briefcase|folder|files|paperwork|device)s? (?:was |were |has been |have been |got )?(?:stolen|lost|missing|left|went missing|taken)",
        ),
        (
            3.0,
            r"(?:stolen|lost|missing|unencrypted) (?:laptop|phone|tablet|usb|memory stick|hard drive|device|folder|bag|file|files|paperwork)",
        ),
        (
            2.5,
            r"(?:sent|emailed|posted|forwarded|delivered|addressed|attached) (?:\w+ ){0,5}(?:to )?(?:the )?wrong (?:person|address|recipient|recipients|parent|parents|customer|client|patient|email|family|distribution)",
        ),
        (2.5, r"wrong (?:recipient|recipients|distribution list|mailing list)"),
        (
            2.5,
            r"\bcc'?d?\b.{0,40}\bbcc\b|instead of bcc|\bbcc\b|in the cc field|visible to all recipients|everyone could see",
        ),
        (
            2.5,
            r"\bphishing\b|\bhacked\b|\bcompromised\b|unauthori[sz]ed access|cyber ?attack|brute[- ]?force|credential stuffing|\bdata leak\b",
        ),
        (
            2.5,
            r"(?:i|we|a colleague|a member of staff|staff member|someone in \w+|our \w+) (?:have |has )?(?:accidentally|mistakenly|inadvertently|wrongly) (?:sent|shared|emailed|published|attached|uploaded|posted|disclosed|forwarded|gave|printed|left)",
        ),
        (2.0, r"\b(?:by mistake|in error|by accident)\b"),
        (
            2.0,
            r"(?:publicly|openly) (?:accessible|available|visible|exposed)|exposed to the internet|open (?:s3 )?bucket|misconfigured",
        ),
        (
            2.0,
            r"(?:do|should|must|shall) we (?:need to )?(?:report|notify|tell|inform) (?:the ico|the regulator|this|it)|72 hours|within 72",
        ),
        (2.0, r"\b(?:data|security|personal data) (?:breach|incident)\b"),
        (
            1.5,
            r"left (?:on|in|at) (?:the |a )?(?:train|bus|taxi|tube|car|printer|pub|cafe|restaurant|photocopier)",
        ),
        (1.5, r"(?:break[- ]in|broken into|burgled|burglary|theft)"),
        (
            1.5,
            r"\b(?:our|the company's|the school's|the practice's) (?:server|system|systems|database|mailbox|network|website|crm|portal)",
        ),
    ),
    "none": (
        (
            2.0,
            r"\bwhat(?:'s| is) the best way\b|\bhow should we\b|\bwhat should (?:the|our|we)\b|\b(?:all fine|no further action|just to confirm|just confirming)\b",
        ),
        (
            1.5,
            r"\b(?:agenda|meeting room|book a meeting|steering group|handbook|policy document)\b",
        ),
        (
            2.5,
            r"(?:our|we|clients'?|customers'?|handle|manage|respond to|experience with|for) (?:\w+ ){0,3}(?:subject access requests|dsars|sars|data subject requests)\b|\bdsar (?:procedure|process|policy|tracker|log|template|management|tool|software)",
        ),
        (2.0, r"\bico (?:fee|registration|number)\b|renew (?:our|the) registration"),
        (
            1.5,
            r"\bthoughts\?|\bidea\b|\bheads up team\b|\bfyi\b|\btracker\b|\bdo we need (?:consent|to get consent|a)\b",
        ),
        (
            2.5,
            r"feature request|would be (?:great|nice|good|helpful|useful|awesome)|it would be (?:great|nice)|could you (?:please )?add|please add (?:a|an|the|support)|\bsuggestion\b|roadmap",
        ),
        (
            2.5,
            r"(?:data processing agreement|\bdpa\b|sub-?processors?|security questionnaire|soc ?2|iso ?27001|vendor assessment|due diligence|standard contractual clauses|\bsccs?\b)",
        ),
        (
            2.0,
            r"(?:are|is) (?:you|your \w+|it|the app|this) (?:gdpr|uk gdpr|data protection) (?:compliant|ready)|gdpr[- ]compliant\?",
        ),
        (
            2.0,
            r"(?:where|which country) (?:is|are) (?:my |our |the )?(?:data|servers?) (?:stored|hosted|located|kept)",
        ),
        (
            2.0,
            r"(?:where can i (?:find|read)|link to|is there a|do you have a|updated? (?:our|your|the)|changes to (?:our|your|the)) (?:\w+ )?(?:privacy (?:policy|notice)|cookie policy|terms)",
        ),
        (2.0, r"cookie (?:banner|pop-?up|popup|notice)"),
        (
            2.0,
            r"\b(?:we are|we're) (?:pleased|excited|delighted) to|\bwebinar\b|\bannounc(?:e|ing|ement)\b|\bsign up (?:now|today|here)\b|\bregister (?:now|today|here)\b",
        ),
        (
            2.0,
            r"\b(?:password reset|reset my password|can't log ?in|cannot log ?in|login (?:problem|issue)|two-factor|2fa|dark mode|invoice|refund|delivery|out of stock)\b",
        ),
        (
            1.5,
            r"\b(?:just curious|quick question|out of interest|wondering how|how does|how do (?:i|we) (?:configure|set up|enable|turn on|change))\b",
        ),
        (
            1.5,
            r"\b(?:template|training|course|blog|article|guide|checklist|job|vacancy|role|certification|exam)\b",
        ),
        (1.5, r"(?:our|your) (?:customers|clients|users) (?:ask|have asked|want|asked)"),
        (0.5, r"\bgdpr\b|\bprivacy\b"),
    ),
}
