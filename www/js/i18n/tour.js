// The words of the page's tour area in English and Korean (see i18n.js). Every key is in both.

export default {
  en: {
  },
  ko: {
  },
};
