"""Loading a campaign's history: the enrollments of the collection software's
export (CSV or .xlsx, hundreds of thousands of rows) imported by staff as a
tracked job (DESIGN §13 "History").

- ``columns``: the file's columns and how a row becomes a submission.
- ``intake``: the rows of one chunk taken through the enrollment intake
  (``enrollments.services._Intake``): the same checks and the same counting as
  the API, except that the submission grace does not apply (the phases' dates
  still place each receipt), and that a receipt number already imported is
  the same receipt again (unchanged), not a new one.
- ``jobs``: the job (``EnrollmentImport``): asked for, run by a worker chunk by
  chunk, resumed where it stopped.
- ``report``: the row-by-row report of the rows not taken, every error of each.
"""
