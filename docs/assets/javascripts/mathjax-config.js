// MathJax 3, vendored in assets/vendor/mathjax (no CDN: the book works offline).
// Markdown pages: pymdownx.arithmatex (generic) wraps math in .arithmatex; notebook pages
// (labs) keep raw $...$ inside .jupyter-wrapper. Everything else is left alone.
function dmmTypeset() {
  MathJax.startup.output.clearCache();
  MathJax.typesetClear();
  MathJax.texReset();
  return MathJax.typesetPromise();
}

window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true
  },
  options: {
    ignoreHtmlClass: "md-typeset|tex2jax_ignore|mathjax_ignore",
    processHtmlClass: "arithmatex|jupyter-wrapper"
  },
  startup: {
    typeset: false,  // typeset once MathJax is ready, and again whenever Material shows a page
    pageReady: () => MathJax.startup.defaultPageReady().then(dmmTypeset)
  }
};

document$.subscribe(() => {
  if (window.MathJax && MathJax.startup && MathJax.startup.document) {  // not before MathJax has started
    MathJax.startup.promise.then(dmmTypeset);
  }
});
