// Word lists the offline extractor uses to type names and to read appositions ("Helix Vision, a startup").

const organizationHeads = [
  'inc', 'corp', 'corporation', 'company', 'co', 'ltd', 'llc', 'plc', 'gmbh', 'ag', 'sa', 'nv', 'bv', 'group', 'holdings',
  'industries', 'labs', 'laboratories', 'systems', 'technologies', 'technology', 'robotics', 'logistics', 'software',
  'solutions', 'networks', 'capital', 'ventures', 'partners', 'media', 'motors', 'airlines', 'airways', 'energy', 'analytics',
  'dynamics', 'pharmaceuticals', 'pharma', 'therapeutics', 'biotech', 'bank', 'bancorp', 'insurance', 'foundation', 'institute',
  'university', 'college', 'school', 'academy', 'hospital', 'clinic', 'agency', 'ministry', 'department', 'council',
  'committee', 'commission', 'authority', 'bureau', 'association', 'society', 'union', 'federation', 'party', 'club',
  'studios', 'games', 'press', 'publishing', 'consulting', 'services', 'enterprises', 'manufacturing', 'electronics',
  'semiconductors', 'aerospace', 'automotive', 'foods', 'brewery', 'bakery', 'cooperative', 'trust', 'fund', 'exchange',
];
const organizationLeads = ['university', 'institute', 'bank', 'ministry', 'department', 'council', 'office', 'agency', 'college'];

const organizationNouns = [
  'company', 'startup', 'start-up', 'firm', 'maker', 'manufacturer', 'supplier', 'vendor', 'retailer', 'bank', 'lab',
  'laboratory', 'university', 'agency', 'nonprofit', 'charity', 'consultancy', 'publisher', 'distributor', 'subsidiary',
  'competitor', 'rival', 'business', 'corporation', 'conglomerate', 'insurer', 'airline', 'carrier', 'operator', 'provider',
  'developer', 'group', 'organization', 'organisation', 'institute', 'school', 'hospital', 'foundation', 'union', 'team',
  'studio', 'brand', 'chain', 'utility', 'regulator', 'ministry', 'department', 'government', 'club',
];
const placeNouns = [
  'city', 'town', 'village', 'country', 'region', 'state', 'province', 'port', 'capital', 'island', 'county', 'district',
  'suburb', 'municipality', 'nation', 'continent',
];
const personNouns = [
  'researcher', 'engineer', 'founder', 'cofounder', 'co-founder', 'executive', 'ceo', 'cto', 'cfo', 'coo', 'director',
  'manager', 'scientist', 'professor', 'analyst', 'designer', 'programmer', 'author', 'journalist', 'lawyer', 'doctor',
  'nurse', 'teacher', 'student', 'investor', 'consultant', 'architect', 'officer', 'president', 'chair', 'chairman',
  'chairwoman', 'chairperson', 'head', 'leader', 'employee', 'member', 'advisor', 'adviser', 'spokesperson', 'spokesman',
  'spokeswoman', 'minister', 'mayor', 'artist', 'writer', 'physician', 'surgeon', 'economist', 'entrepreneur', 'partner',
  'colleague', 'owner', 'chief', 'vice', 'secretary', 'senator', 'governor', 'judge', 'editor', 'inventor', 'pilot',
];
const productNouns = [
  'product', 'platform', 'device', 'robot', 'app', 'application', 'tool', 'model', 'service', 'software', 'drone',
  'vehicle', 'car', 'phone', 'chip', 'processor', 'framework', 'library', 'engine', 'sensor', 'camera', 'machine',
  'system', 'line', 'brand', 'console', 'laptop', 'tablet', 'drug', 'vaccine', 'medicine', 'aircraft', 'satellite',
  'rocket', 'game', 'database', 'language', 'protocol', 'standard', 'picker', 'scanner', 'printer', 'truck', 'ship',
];

export const organizationHeadWords = new Set(organizationHeads);
export const organizationLeadWords = new Set(organizationLeads);
export const organizationNounWords = new Set(organizationNouns);
export const placeNounWords = new Set(placeNouns);
export const personNounWords = new Set(personNouns);
export const productNounWords = new Set(productNouns);

/** Words that join two capitalised words into one name ("University of Technology", "Procter & Gamble"). */
export const nameConnectors = new Set(['of', 'for', 'de', 'du', 'la', 'van', 'von', 'der', 'den', 'del', '&']);

export const prepositions = new Set([
  'in', 'at', 'on', 'to', 'from', 'by', 'for', 'with', 'of', 'into', 'onto', 'over', 'under', 'about', 'across', 'against',
  'among', 'around', 'behind', 'beside', 'between', 'beyond', 'during', 'inside', 'near', 'outside', 'through', 'toward',
  'towards', 'upon', 'via', 'within', 'without', 'as', 'after', 'before', 'since', 'until', 'alongside',
]);

/** Pronouns and definite descriptions that refer back to an entity, with the types they can refer to. */
export const referringExpressions: ReadonlyMap<string, ReadonlySet<string>> = new Map<string, ReadonlySet<string>>([
  ['it', new Set(['organization', 'product', 'place'])],
  ['he', new Set(['person'])],
  ['she', new Set(['person'])],
  ['the company', new Set(['organization'])],
  ['the firm', new Set(['organization'])],
  ['the startup', new Set(['organization'])],
  ['the group', new Set(['organization'])],
  ['the business', new Set(['organization'])],
  ['the organization', new Set(['organization'])],
  ['the organisation', new Set(['organization'])],
  ['the university', new Set(['organization'])],
  ['the city', new Set(['place'])],
  ['the product', new Set(['product'])],
]);

export const negations = new Set(['not', "n't", 'never', 'no longer']);
export const hedges = new Set(['may', 'might', 'could', 'would', 'should', 'reportedly', 'allegedly']);

/** Nouns too vague to be a concept entity on their own. */
export const vagueNouns = new Set([
  'thing', 'things', 'lot', 'lots', 'part', 'parts', 'way', 'ways', 'time', 'times', 'year', 'years', 'people', 'one',
  'ones', 'kind', 'type', 'number', 'amount', 'some', 'all', 'this', 'that', 'these', 'those', 'it', 'them', 'us', 'you',
  'him', 'her', 'me', 'which', 'who', 'what', 'something', 'everything', 'nothing', 'anything', 'day', 'days', 'month',
  'months', 'week', 'weeks', 'percent', 'share', 'stake', 'role', 'job', 'position', 'place', 'deal', 'use', 'work',
]);
