/** Free text operators type (labels, descriptions, reasons): no control characters. */
export const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f-\u009f]*$/;
