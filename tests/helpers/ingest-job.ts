// An ingestion job as the suites and the soak benchmark read it over GraphQL: one selection and
// one type, so a field added to IngestJob is added here once.

export interface IngestJobView {
  id: string;
  status: string;
  total: number;
  ingested: number;
  skipped: number;
  failed: number;
  error: string | null;
  errors: Array<{ item: string; code: string; message: string }>;
}

/** The selection that fills an IngestJobView. */
export const INGEST_JOB_FIELDS = "id status total ingested skipped failed error errors { item code message }";
