// Versioned zero-shot prompt sets: GLoRIA's CheXpert generator lists and the 25 prompts the reference
// samples from them (gloria-numerics §5, §10.8). Data only; typos, duplicates and stray spaces are part of it.

export interface ClassPrompts {
  /** The class name as reported to users (column names of the reference's DataFrame). */
  name: string;
  prompts: readonly string[];
}

export interface PromptSet {
  /** "<name>@<version>", recorded in manifest.zeroShot.promptSet. */
  id: string;
  classes: readonly ClassPrompts[];
}

/** One class's generator: three lists combined as f"{k0} {k1} {k2}" in this key order (§5). */
export interface PromptGenerator {
  name: string;
  keyOrder: readonly [string, string, string];
  lists: readonly [readonly string[], readonly string[], readonly string[]];
}

/** The reference's CHEXPERT_CLASS_PROMPTS, in its dict order. */
export const CHEXPERT_PROMPT_GENERATORS: readonly PromptGenerator[] = [
  {
    name: "Atelectasis",
    keyOrder: ["severity", "subtype", "location"],
    lists: [
      ["", "mild", "minimal"],
      [
        "subsegmental atelectasis",
        "linear atelectasis",
        "trace atelectasis",
        "bibasilar atelectasis",
        "retrocardiac atelectasis",
        "bandlike atelectasis",
        "residual atelectasis",
      ],
      [
        "at the mid lung zone",
        "at the upper lung zone",
        "at the right lung zone",
        "at the left lung zone",
        "at the lung bases",
        "at the right lung base",
        "at the left lung base",
        "at the bilateral lung bases",
        "at the left lower lobe",
        "at the right lower lobe",
      ],
    ],
  },
  {
    name: "Cardiomegaly",
    keyOrder: ["severity", "subtype", "location"],
    lists: [
      [""],
      [
        "cardiac silhouette size is upper limits of normal",
        "cardiomegaly which is unchanged",
        "mildly prominent cardiac silhouette",
        "portable view of the chest demonstrates stable cardiomegaly",
        "portable view of the chest demonstrates mild cardiomegaly",
        "persistent severe cardiomegaly",
        "heart size is borderline enlarged",
        "cardiomegaly unchanged",
        "heart size is at the upper limits of normal",
        "redemonstration of cardiomegaly",
        "ap erect chest radiograph demonstrates the heart size is the upper limits of normal",
        "cardiac silhouette size is mildly enlarged",
        "mildly enlarged cardiac silhouette, likely left ventricular enlargement. other chambers are less prominent",
        "heart size remains at mildly enlarged",
        "persistent cardiomegaly with prominent upper lobe vessels",
      ],
      [""],
    ],
  },
  {
    name: "Consolidation",
    keyOrder: ["severity", "subtype", "location"],
    lists: [
      ["", "increased", "improved", "apperance of"],
      [
        "bilateral consolidation",
        "reticular consolidation",
        "retrocardiac consolidation",
        "patchy consolidation",
        "airspace consolidation",
        "partial consolidation",
      ],
      [
        "at the lower lung zone",
        "at the upper lung zone",
        "at the left lower lobe",
        "at the right lower lobe",
        "at the left upper lobe",
        "at the right uppper lobe",
        "at the right lung base",
        "at the left lung base",
      ],
    ],
  },
  {
    name: "Edema",
    keyOrder: ["severity", "subtype", "location"],
    lists: [
      ["", "mild", "improvement in", "presistent", "moderate", "decreased"],
      ["pulmonary edema", "trace interstitial edema", "pulmonary interstitial edema"],
      [""],
    ],
  },
  {
    name: "Pleural Effusion",
    // This class's dict lists location before subtype, so prompts read "<severity> <side> <subtype>".
    keyOrder: ["severity", "location", "subtype"],
    lists: [
      ["", "small", "stable", "large", "decreased", "increased"],
      ["left", "right", "tiny"],
      ["bilateral pleural effusion", "subpulmonic pleural effusion", "bilateral pleural effusion"],
    ],
  },
];

/** Every combination of a generator, in the reference's nested-loop order (§5). */
export function expandPrompts(generator: PromptGenerator): string[] {
  const [a, b, c] = generator.lists;
  return a.flatMap((k0) => b.flatMap((k1) => c.map((k2) => `${k0} ${k1} ${k2}`)));
}

/**
 * The five prompts per class that `random.seed(6)` + `random.sample(…, 5)` pick (§5), shipped as data
 * rather than by re-implementing CPython's sampler (§10.8).
 */
export const GLORIA_CHEXPERT_5X5: PromptSet = {
  id: "gloria-chexpert-5x5@1",
  classes: [
    {
      name: "Atelectasis",
      prompts: [
        "minimal residual atelectasis at the left lung zone",
        "minimal subsegmental atelectasis at the left lung base",
        " trace atelectasis at the mid lung zone",
        "mild bandlike atelectasis at the lung bases",
        "minimal bandlike atelectasis at the right lung base",
      ],
    },
    {
      name: "Cardiomegaly",
      prompts: [
        " portable view of the chest demonstrates mild cardiomegaly ",
        " cardiac silhouette size is upper limits of normal ",
        " heart size remains at mildly enlarged ",
        " mildly prominent cardiac silhouette ",
        " ap erect chest radiograph demonstrates the heart size is the upper limits of normal ",
      ],
    },
    {
      name: "Consolidation",
      prompts: [
        "apperance of bilateral consolidation at the right lung base",
        "improved patchy consolidation at the lower lung zone",
        "apperance of partial consolidation at the left upper lobe",
        "increased partial consolidation at the left lung base",
        "increased airspace consolidation at the upper lung zone",
      ],
    },
    {
      name: "Edema",
      prompts: [
        " pulmonary edema ",
        "improvement in pulmonary interstitial edema ",
        "decreased pulmonary edema ",
        "moderate pulmonary edema ",
        "mild pulmonary edema ",
      ],
    },
    {
      name: "Pleural Effusion",
      prompts: [
        "increased left subpulmonic pleural effusion",
        "stable tiny bilateral pleural effusion",
        "large tiny subpulmonic pleural effusion",
        "decreased tiny subpulmonic pleural effusion",
        " tiny bilateral pleural effusion",
      ],
    },
  ],
};

const PROMPT_SETS: ReadonlyMap<string, PromptSet> = new Map([[GLORIA_CHEXPERT_5X5.id, GLORIA_CHEXPERT_5X5]]);

/** The built-in prompt set with this id, or undefined. */
export function findPromptSet(id: string): PromptSet | undefined {
  return PROMPT_SETS.get(id);
}
