/**
 * The fallback list of the commonest passwords, used when the full list of
 * `@zxcvbn-ts/language-common` (MIT; its `passwords-common` dictionary,
 * ~49 000 entries from leaked-password frequency lists) is not installed.
 *
 * Taken from that same list (version 4.1.3), most common first: its first
 * 200 entries of any length (a password that is one of them with digits or
 * symbols around it is refused too, see ./passwords.ts), then its 100 most
 * common of at least 10 characters (the minimum length, so these are the
 * ones the length rule alone lets through).
 */
export const FALLBACK_COMMON_PASSWORDS: readonly string[] = [
  // The 200 commonest.
  '123456', 'password', '12345678', 'qwerty', '123456789', '12345', '1234', '111111', '1234567', 'dragon',
  '123123', 'baseball', 'abc123', 'football', 'monkey', 'letmein', 'shadow', 'master', '696969', 'michael',
  'mustang', '666666', 'qwertyuiop', '123321', '1234567890', 'pussy', 'superman', '1qaz2wsx', '7777777',
  'fuckyou', 'jordan', 'qazwsx', 'jennifer', '123qwe', '000000', 'killer', 'trustno1', 'hunter', 'harley',
  'zxcvbnm', 'asdfgh', 'buster', 'andrew', 'batman', 'soccer', 'tigger', 'charlie', 'robert', 'sunshine',
  'thomas', 'iloveyou', 'fuckme', 'ranger', 'daniel', 'hockey', 'george', 'computer', 'michelle', 'jessica',
  'starwars', 'asshole', 'pepper', 'klaster', '112233', 'zxcvbn', 'freedom', 'princess', 'joshua', 'maggie',
  'pass', 'ginger', '11111111', '131313', 'fuck', 'amanda', 'ashley', 'love', 'cheese', '159753', 'nicole',
  'summer', 'matthew', 'chelsea', 'dallas', 'biteme', 'matrix', 'william', 'yankees', '6969', 'taylor',
  'corvette', 'austin', 'access', 'martin', 'heather', 'thunder', 'merlin', 'secret', 'diamond', 'hello',
  'anthony', 'hammer', 'fucker', '1234qwer', 'silver', 'gfhjkm', 'justin', 'patrick', 'richard', 'bailey',
  'internet', 'samantha', 'golfer', 'scooter', 'test', 'orange', 'cookie', 'q1w2e3r4t5', 'maverick',
  'jackson', 'sparky', 'mickey', 'phoenix', 'bigdog', 'snoopy', 'guitar', 'whatever', 'chicken', 'morgan',
  'andrea', 'camaro', 'mercedes', 'peanut', 'ferrari', 'cowboy', 'falcon', 'welcome', 'samsung', 'sexy',
  'steelers', 'joseph', 'smokey', 'dakota', 'melissa', 'arsenal', 'boomer', 'eagles', 'tigers', 'marina',
  'nascar', 'booboo', 'gateway', 'porsche', 'yellow', 'monster', 'spider', 'diablo', 'hannah', 'bulldog',
  'junior', 'london', 'purple', 'compaq', 'lakers', 'iceman', 'qwer1234', 'hardcore', 'cowboys', 'money',
  'banana', 'ncc1701', 'boston', 'brandon', 'tennis', 'johnny', 'miller', 'q1w2e3r4', 'coffee', 'scooby',
  '123654', 'edward', 'nikita', 'mother', 'yamaha', 'brandy', 'barney', 'chester', 'fuckoff', 'oliver',
  'charles', 'player', 'knight', 'forever', 'steven', 'rangers', 'midnight', 'chicago', 'bigdaddy', 'redsox',
  'victoria',
  // The 100 commonest of 10 characters or more.
  '1q2w3e4r5t', '4815162342', '123456789a', '12345qwert', '1234554321', 'usuckballz1', 'password123',
  '123456789q', 'basketball', '1029384756', '123qweasdzxc', 'soso123aljg', 'manchester', '1qaz2wsx3edc',
  '12345678910', 'q1w2e3r4t5y6', '1123581321', 'qwerty12345', '1q2w3e4r5t6y', 'fuck_inside',
  'mailcreated5240', 'nuttertools', '1122334455', 'qazwsxedcrfv', '123456qwerty', '1234567890q',
  'terminator', 'qwerty123456', 'california', 'enterprise', '123456789z', 'rjirfrgbde', 'christopher',
  'polniypizdec0211', 'fktrcfylhf', 'sojdlg123aljg', 'a123456789', 'translator', 'deepthroat', 'undertaker',
  'qwerty1234', 'motherlode', 'multiplelo', 'rjycnfynby', 'syncmaster', 'aleksandra', 'salamander',
  'sersolution', 'montgom240', 'leavemealone', 'motherfucker', 'realmadrid', 'tinkerbell', '123456654321',
  'dragonball', 'playstation', 'ghostrider', '1234567890a', '1357924680', '7ugd5hip2j', 'gfhjkmgfhjkm',
  '9293709b13', 'microphone', '1234567891', 'washington', 'vsjasnel12', 'qazwsxedc123', 'yjdsqgfhjkm',
  'strawberry', 'anastasiya', 'mypassword', 'zxcvbnm123', 'harrypotter', 'qwert12345', 'password12',
  'abrakadabra', 'alessandro', '123456789s', 'good123654', 'fuckinside', 'konstantin', '7894561230',
  'underground', 'tokiohotel', 'highlander', 'ghjcnjgfhjkm', 'evangelion', 'zxcasdqwe123', 'sonyericsson',
  'suckmydick', 'pufunga7782', 'liverpool1', 'university', 'hellokitty', 'ghhh47hj7649', 'roadrunner',
  'ironmaiden', 'mississippi', 'intercourse', '12345qwerty',
];
