// Placeholder: the pages (branch uipages) replace this file.
'use strict';
fetch('/api/session').then(r => r.json()).then(s => {
  const p = document.createElement('p');
  p.textContent = 'Signed in as ' + s.email + ' (' + s.role + ')';
  document.getElementById('app').replaceChildren(p);
});
