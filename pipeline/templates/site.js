// Filters and search of the web edition: instant, on this page only. Without this script every
// resource is listed and the topic index works as plain links.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) return;
  var search = document.getElementById("filter-search");
  var topic = document.getElementById("filter-topic");
  var audience = document.getElementById("filter-audience");
  var type = document.getElementById("filter-type");
  var count = document.getElementById("result-count");
  var none = document.getElementById("no-results");
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.section"));
  var resources = Array.prototype.slice.call(document.querySelectorAll("article.resource"));

  // What a person types finds what is printed: accents dropped, typographic apostrophes, quotes and
  // dashes read as the keyboard's, any run of spaces as one.
  function fold(text) {
    return text
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[\u2018\u2019\u201a\u201b\u2032\u02bc`\u00b4]/g, "'")
      .replace(/[\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb]/g, '"')
      .replace(/[\u2010-\u2015\u2212]/g, "-")
      .replace(/\s+/g, " ")
      .toLowerCase();
  }

  var haystacks = resources.map(function (resource) { return fold(resource.textContent); });

  function words(attribute, resource) {
    return (resource.getAttribute(attribute) || "").split(" ");
  }

  function apply() {
    var terms = fold(search.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    resources.forEach(function (resource, index) {
      var visible =
        (!topic.value || words("data-tags", resource).indexOf(topic.value) !== -1) &&
        (!audience.value || words("data-audience", resource).indexOf(audience.value) !== -1) &&
        (!type.value || resource.getAttribute("data-type") === type.value) &&
        terms.every(function (term) { return haystacks[index].indexOf(term) !== -1; });
      resource.hidden = !visible;
      if (visible) shown += 1;
    });
    sections.forEach(function (section) {
      section.hidden = !section.querySelector("article.resource:not([hidden])");
      var entry = document.querySelector(".contents a[href='#" + section.id + "']");
      if (entry) entry.parentNode.hidden = section.hidden;
    });
    none.hidden = shown !== 0;
    count.textContent = shown === resources.length
      ? "Showing all " + shown + " resources."
      : "Showing " + shown + " of " + resources.length + " resources.";
  }

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  form.hidden = false;
  apply();
})();
