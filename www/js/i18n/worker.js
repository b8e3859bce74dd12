// The words of the page's workers and their clients in English and Korean (see i18n.js).

export default {
  en: {
    "training-name": "training worker",
    "lab-name": "Lab worker",
    "stopped": "the {name} stopped: {reason}. Reload the page to start it again.",
    "could-not-load": "it could not load",
  },
  ko: {
    "training-name": "학습 워커",
    "lab-name": "실험실 워커",
    "stopped": "{name}가 멈췄습니다: {reason}. 다시 시작하려면 페이지를 새로 고치세요.",
    "could-not-load": "불러올 수 없었습니다",
  },
};
