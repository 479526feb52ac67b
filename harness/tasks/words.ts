// Word lists for needle keys (two-word keys like "amber-falcon", in the manner of RULER's word keys).
export const ADJECTIVES = [
  'amber', 'brisk', 'calm', 'dusty', 'eager', 'faint', 'gentle', 'hollow', 'icy', 'jolly', 'keen', 'lively',
  'mellow', 'noble', 'odd', 'pale', 'quiet', 'rapid', 'silent', 'tidy', 'upper', 'vivid', 'wary', 'young',
  'bold', 'crisp', 'dark', 'early', 'fierce', 'golden', 'hidden', 'lucky', 'misty', 'narrow', 'proud', 'rusty',
];
export const NOUNS = [
  'falcon', 'river', 'lantern', 'meadow', 'harbor', 'canyon', 'violin', 'garden', 'pebble', 'comet', 'forest',
  'island', 'kettle', 'ladder', 'marble', 'needle', 'orchard', 'pillow', 'quarry', 'saddle', 'tunnel', 'valley',
  'wagon', 'anchor', 'beacon', 'candle', 'desert', 'engine', 'feather', 'glacier', 'hammer', 'jacket', 'lemon',
  'mirror', 'oyster', 'parrot',
];
