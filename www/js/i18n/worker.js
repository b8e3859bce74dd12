// The words of the page's workers and their clients in English and Korean (see i18n.js).

export default {
  en: {
    "training-name": "training worker",
    "lab-name": "Lab worker",
    "stopped": "the {name} stopped: {reason}. Reload the page to start it again.",
    "could-not-load": "it could not load",
    "trap": "The engine stopped on an internal error and was restarted; your settings are kept. Try again, or change the settings if it happens again (the browser's console has the details).",
    "page-trap": "The engine stopped on an internal error. Reload the page to restart it; your settings are kept in the address bar (the browser's console has the details).",
  },
  ko: {
    "training-name": "학습 워커",
    "lab-name": "실험실 워커",
    "stopped": "{name}가 멈췄습니다: {reason}. 다시 시작하려면 페이지를 새로 고치세요.",
    "could-not-load": "불러올 수 없었습니다",
    "trap": "엔진이 내부 오류로 멈춰서 다시 시작했습니다. 설정은 그대로입니다. 다시 해 보고, 또 그러면 설정을 바꿔 보세요(자세한 내용은 브라우저 콘솔에 있습니다).",
    "page-trap": "엔진이 내부 오류로 멈췄습니다. 다시 시작하려면 페이지를 새로 고치세요. 설정은 주소창에 그대로 있습니다(자세한 내용은 브라우저 콘솔에 있습니다).",
  },
};
