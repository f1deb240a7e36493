"""The agreements pages, one module per thing they serve (as pretix does):

- `alignments`: STEP 1 and the overview pages (my alliance, a person, the team, the share offer);
- `tours`: STEP 2, the tour of duty;
- `agreements`: STEP 3, versions, editing, signing actions, amending, the PDF, the agreement template;
- `verify`: the public verification page;
- `common`: the helpers the others share (the 409 page for state rules is the core's: alliance.tenancy).

URLconfs import the module they route to (`from agreements.views import tours`).
"""
