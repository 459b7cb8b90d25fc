// Original file: proto/runnel/v1/admin.proto


export interface PostRestartCheckRequest {
}

export interface PostRestartCheckRequest__Output {
}
