// Original file: proto/runnel/v1/admin.proto


export interface PreRestartCheckRequest {
}

export interface PreRestartCheckRequest__Output {
}
