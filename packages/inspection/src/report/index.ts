/**
 * The report side alone (`@fieldtrace/inspection/report`): estimates and the HTML/PDF report need neither
 * onnxruntime nor sharp, so the API serves them without loading either (~0.4 s and ~44 MB at start).
 */
export * from './estimate.js';
export type { InspectionReportData } from './report-data.js';
export { renderReportHtml } from './report-html.js';
export { renderReportPdf, type PdfOptions } from './report-pdf.js';
