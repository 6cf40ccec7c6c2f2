// The playground's boot script, served as /playground/assets/playground.js. It runs in the
// browser after React, ReactDOM and GraphiQL's UMD bundles, reads its settings from the JSON block
// in the page (no inline script, so the page's CSP can forbid them) and honours `?query=` /
// `?variables=` in the page URL, which makes playground links shareable.
/* global React, ReactDOM, GraphiQL */
(function () {
  'use strict';
  const config = JSON.parse(document.getElementById('playground-config').textContent);
  const params = new URLSearchParams(window.location.search);

  // Names of the operations in a document, ignoring strings and comments.
  function operationNames(query) {
    const text = String(query).replace(/"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|#[^\n\r]*/g, ' ');
    const names = [];
    const pattern = /\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/g;
    for (let match = pattern.exec(text); match; match = pattern.exec(text)) names.push(match[1]);
    return names;
  }

  function fetcher(graphQLParams, options) {
    // GraphiQL 3 updates the operation name 100 ms after an edit: a run right after renaming the
    // operation would send the old name ("Unknown operation named ..."). Send none instead.
    if (
      typeof graphQLParams.operationName === 'string' &&
      typeof graphQLParams.query === 'string' &&
      operationNames(graphQLParams.query).indexOf(graphQLParams.operationName) < 0
    ) {
      graphQLParams = Object.assign({}, graphQLParams, { operationName: null });
    }
    const headers = new Headers({
      accept: 'application/graphql-response+json, application/json',
      'content-type': 'application/json',
    });
    const extra = (options && options.headers) || {};
    Object.keys(extra).forEach(function (name) {
      headers.set(name, String(extra[name]));
    });
    return fetch(config.endpoint, {
      method: 'POST',
      headers: headers,
      body: JSON.stringify(graphQLParams),
      credentials: 'same-origin',
    }).then(function (response) {
      return response.text().then(function (text) {
        try {
          return JSON.parse(text);
        } catch {
          return {
            errors: [{ message: 'HTTP ' + response.status + ' ' + response.statusText + ': ' + text.slice(0, 2000) }],
          };
        }
      });
    });
  }

  const props = { fetcher: fetcher, defaultQuery: config.defaultQuery };
  if (params.has('query')) props.query = params.get('query');
  if (params.has('variables')) props.variables = params.get('variables');
  ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, props));
})();
