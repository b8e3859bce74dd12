// The words of the page's persist area in English and Korean (see i18n.js). Every key is in both.
// Iteration numbers are handed over as strings (the English text has no digit groups there). Both
// phrases a Korean sentence takes as its object end in a consonant (…모델(반복 3), …이미지 10장),
// so their particles are 을 and 과.

const count = (n, one, many) => `${n} ${n === 1 ? one : many}`;

export default {
  en: {
    "model.trained": "the model trained at {time} (iteration {iteration})",
    "model.saved": "the model saved at {time}",
    own: ({ images, classes }) => `${count(images, "image", "images")} in ${count(classes, "class", "classes")}`,
    and: "{a} and {b}",
    "restored.work": "Restored {what} from this browser.",
    "restored.settingsToo": "The settings of your last visit are back too (a link with settings opens its own).",
    "restored.settings": "Restored the settings of your last visit (a link with settings opens its own).",
    "problem.quota": "Your work could not be saved: this browser's storage for the page is full. The page keeps working, but what you do now stays only until you reload or leave. Free space with “Forget my saved work” or by clearing other sites' data.",
    "problem.unavailable": "This browser does not let the page store anything (private browsing, or site data is blocked). The page keeps working, but what you do now stays only until you reload or leave.",
    "problem.timeout": "This browser did not open the page's storage (it gave no answer). The page keeps working, but what you do now stays only until you reload or leave.",
    "problem.blocked": "Another tab with an older version of this page keeps its saved work open. The page keeps working, but what you do now stays only until you reload or leave. Close the other tab and reload to save again.",
    "problem.other": "Saving in this browser failed ({reason}). The page keeps working, but what you do now stays only until you reload or leave.",
    forgotten: "Your saved work was deleted from this browser: a reload starts from the defaults. The page keeps what it shows until then, and a new change is saved again.",
    forget: "Forget my saved work",
    "forget.title": "Deletes your images, the trained model and the last settings that this page saved in this browser",
    "saved.at": "Saved in this browser at {time}: {what}. They come back when you reopen the page.",
    "saved.some": "Saved in this browser: {what}. They come back when you reopen the page.",
    "saved.nothing": "Nothing of yours is saved in this browser yet: your images and trained model will be, as you make them.",
  },
  ko: {
    "model.trained": "{time}에 학습한 모델(반복 {iteration})",
    "model.saved": "{time}에 저장한 모델",
    own: ({ images, classes }) => `클래스 ${classes}개의 이미지 ${images}장`,
    and: "{a}과 {b}",
    "restored.work": "이 브라우저에서 {what}을 되살렸습니다.",
    "restored.settingsToo": "지난번 방문의 설정도 돌아왔습니다(설정이 담긴 링크는 그 설정으로 열립니다).",
    "restored.settings": "지난번 방문의 설정을 되살렸습니다(설정이 담긴 링크는 그 설정으로 열립니다).",
    "problem.quota": "작업을 저장하지 못했습니다. 이 브라우저에서 페이지에 허용된 저장 공간이 가득 찼습니다. 페이지는 계속 작동하지만, 지금 하는 작업은 새로 고치거나 페이지를 떠날 때까지만 남습니다. “저장한 작업 지우기”를 누르거나 다른 사이트의 데이터를 지워 공간을 확보하세요.",
    "problem.unavailable": "이 브라우저는 페이지가 아무것도 저장하지 못하게 합니다(시크릿 모드이거나 사이트 데이터가 차단되어 있습니다). 페이지는 계속 작동하지만, 지금 하는 작업은 새로 고치거나 페이지를 떠날 때까지만 남습니다.",
    "problem.timeout": "이 브라우저가 페이지의 저장소를 열지 않았습니다(응답이 없었습니다). 페이지는 계속 작동하지만, 지금 하는 작업은 새로 고치거나 페이지를 떠날 때까지만 남습니다.",
    "problem.blocked": "이 페이지의 예전 버전이 열린 다른 탭이 저장된 작업을 붙잡고 있습니다. 페이지는 계속 작동하지만, 지금 하는 작업은 새로 고치거나 페이지를 떠날 때까지만 남습니다. 다른 탭을 닫고 새로 고치면 다시 저장됩니다.",
    "problem.other": "이 브라우저에 저장하지 못했습니다({reason}). 페이지는 계속 작동하지만, 지금 하는 작업은 새로 고치거나 페이지를 떠날 때까지만 남습니다.",
    forgotten: "저장한 작업을 이 브라우저에서 지웠습니다. 새로 고치면 기본 설정으로 시작합니다. 그때까지는 지금 보이는 내용이 그대로 있고, 새로 바꾼 내용은 다시 저장됩니다.",
    forget: "저장한 작업 지우기",
    "forget.title": "이 페이지가 이 브라우저에 저장한 이미지, 학습된 모델, 마지막 설정을 지웁니다",
    "saved.at": "{time}에 이 브라우저에 저장됨: {what}. 페이지를 다시 열면 돌아옵니다.",
    "saved.some": "이 브라우저에 저장됨: {what}. 페이지를 다시 열면 돌아옵니다.",
    "saved.nothing": "아직 이 브라우저에 저장된 것이 없습니다. 이미지와 학습된 모델은 만드는 대로 저장됩니다.",
  },
};
